from django.urls import path

from gonghui.core import calendar_views

app_name = "core"

urlpatterns = [
    path("console/calendar/", calendar_views.calendar_index, name="calendar"),
    path("console/calendar/<int:year>/", calendar_views.calendar_year, name="calendar_year"),
]
