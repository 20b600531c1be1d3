from django.urls import path

from gonghui.reports import service_views, views

app_name = "reports"

urlpatterns = [
    path("reports/", views.overview_view, name="overview"),
    path("reports/mine/", views.mine_view, name="mine"),
    path("reports/assign/", views.assign_view, name="assign"),
    path("reports/<int:report_task_id>/", views.completeness_view, name="completeness"),
    path("reports/<int:report_task_id>/missing.xlsx", views.missing_export_view, name="missing_export"),
    path("reports/<int:report_task_id>/remind/", views.remind_view, name="remind"),
    path("reports/<int:report_task_id>/fill/", views.fill_view, name="fill"),
    path("reports/<int:report_task_id>/fill/excel/", views.fill_excel_view, name="fill_excel"),
    path("reports/<int:report_task_id>/filed/", views.filed_list_view, name="filed_list"),
    path("reports/filed/<int:filed_report_id>/", views.filed_report_view, name="filed_report"),
    path("reports/<int:report_task_id>/consolidated.xlsx", views.consolidated_view, name="consolidated"),
    path("reports/forms/", views.forms_view, name="forms"),
    path("reports/forms/new/", views.form_builder_view, name="form_new"),
    path("reports/forms/<int:form_template_id>/edit/", views.form_builder_view, name="form_edit"),
    path("reports/health/", service_views.health_view, name="health"),
    path("reports/health/<int:isolation_id>/", service_views.isolation_view, name="isolation"),
    path("reports/supplies/", service_views.supplies_view, name="supplies"),
    path("reports/supplies/orders/<int:supply_order_id>/", service_views.supply_order_view, name="supply_order"),
    path("reports/supplies/request/", service_views.supply_request_view, name="supply_request"),
    path("reports/visits/", service_views.visits_view, name="visits"),
    path("reports/visits/new/", service_views.visit_new_view, name="visit_new"),
    path("reports/visits/plans/<int:visit_plan_id>/", service_views.visit_plan_view, name="visit_plan"),
    path("reports/visits/<int:visit_id>/", service_views.visit_view, name="visit"),
    path("reports/visits/issues/<int:visit_issue_id>/resolve/", service_views.resolve_issue_view,
         name="resolve_issue"),
    path("reports/notices/", service_views.notices_view, name="notices"),
    path("reports/notices/<int:notice_id>/", service_views.notice_view, name="notice"),
    path("reports/notices/<int:notice_id>/file/", service_views.notice_file_view, name="notice_file"),
    path("reports/notices/<int:notice_id>/remind/", service_views.notice_remind_view, name="notice_remind"),
    path("reports/back-to-work/", service_views.back_to_work_view, name="back_to_work"),
]
