from django.urls import path

from gonghui.relief import views

app_name = "relief"

urlpatterns = [
    path("relief/", views.overview_view, name="overview"),
    path("relief/statistics.xlsx", views.stats_export_view, name="stats_export"),
    path("relief/files/", views.file_list_view, name="file_list"),
    path("relief/files/new/", views.file_create_view, name="file_create"),
    path("relief/files/<int:file_id>/", views.file_detail_view, name="file_detail"),
    path("relief/files/<int:file_id>/act/", views.file_action_view, name="file_action"),
    path("relief/files/<int:file_id>/apply/", views.apply_view, name="apply_for"),
    path("relief/problems/<int:problem_id>/resolve/", views.problem_resolve_view, name="problem_resolve"),
    path("relief/monitoring/", views.monitoring_view, name="monitoring"),
    path("relief/spot-check/", views.spot_check_view, name="spot_check"),
    path("relief/applications/", views.application_list_view, name="application_list"),
    path("relief/applications/<int:application_id>/", views.application_detail_view, name="application_detail"),
    path("relief/applications/<int:application_id>/attachment/", views.attachment_view, name="attachment"),
    path("relief/applications/<int:application_id>/decide/", views.decide_view, name="decide"),
    path("relief/applications/<int:application_id>/duplicates/", views.duplicate_view, name="duplicate"),
    path("relief/applications/<int:application_id>/release/", views.release_view, name="release"),
    path("relief/applications/<int:application_id>/resubmit/", views.resubmit_view, name="resubmit"),
    path("relief/applications/<int:application_id>/form.pdf", views.approval_form_view, name="approval_form"),
    path("relief/objections/<int:objection_id>/resolve/", views.objection_resolve_view, name="objection_resolve"),
    path("relief/me/", views.my_relief_view, name="mine"),
    path("relief/apply/", views.apply_view, name="apply"),
    path("relief/notices/", views.notices_view, name="notices"),
    path("relief/notices/<int:application_id>/object/", views.object_view, name="object"),
    path("relief/policies/", views.policy_list_view, name="policy_list"),
    path("relief/policies/versions/<int:version_id>/", views.version_detail_view, name="version_detail"),
    path("relief/policies/versions/<int:version_id>/act/", views.version_action_view, name="version_action"),
    path("relief/budgets/", views.budget_list_view, name="budget_list"),
    path("relief/dibao/", views.dibao_view, name="dibao"),
    path("relief/batches/new/", views.batch_create_view, name="batch_create"),
    path("relief/batches/<int:grant_batch_id>/", views.batch_detail_view, name="batch_detail"),
    path("relief/batches/<int:grant_batch_id>/approve/", views.batch_approve_view, name="batch_approve"),
    path("payments/", views.payment_list_view, name="payment_list"),
    path("payments/bank-file/", views.bank_export_view, name="bank_export"),
    path("payments/bank/<int:bank_batch_id>/", views.bank_batch_view, name="bank_batch"),
    path("payments/<int:entry_id>/act/", views.payment_action_view, name="payment_action"),
]
