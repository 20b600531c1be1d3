from django.urls import path

from gonghui.core import calendar_views

app_name = "core"

# The year is a query parameter (?year=2027), not a URL keyword: every URL keyword names an object under a scoping
# policy (tests/security/test_scoping_sweep.py), and a year is not an object of any unit.
urlpatterns = [
    path("console/calendar/", calendar_views.calendar_year, name="calendar"),
]
