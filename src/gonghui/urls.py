from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from gonghui.api.urls import api
from gonghui.core.views import healthz
from gonghui.dashboards.views import home

handler400 = "gonghui.core.views.bad_request"
handler500 = "gonghui.core.views.server_error"

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("gonghui.core.urls")),
    path("", include("gonghui.orgs.urls")),
    path("", include("gonghui.relief.urls")),
    path("", include("gonghui.membership.urls")),
    path("", include("gonghui.mediation.urls")),
    path("", include("gonghui.bargaining.urls")),
    path("", include("gonghui.reports.urls")),
    path("", include("gonghui.dashboards.urls")),
]
