from django.urls import path

from gonghui.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("console/", views.console, name="console"),
    path("me/", views.me, name="me"),
    path("inbox/", views.inbox, name="inbox"),
]
