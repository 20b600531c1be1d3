from django.urls import path

from gonghui.reports import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.overview_view, name="overview"),
    path("reports/mine/", views.mine_view, name="mine"),
    path("reports/assign/", views.assign_view, name="assign"),
    path("reports/<int:report_task_id>/", views.completeness_view, name="completeness"),
    path("reports/<int:report_task_id>/missing.xlsx", views.missing_export_view, name="missing_export"),
    path("reports/<int:report_task_id>/remind/", views.remind_view, name="remind"),
    path("reports/<int:report_task_id>/fill/", views.fill_view, name="fill"),
]
