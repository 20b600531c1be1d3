from django.urls import path

from gonghui.bargaining import views, views_congress

app_name = "bargaining"

urlpatterns = [
    path("bargaining/", views.overview_view, name="overview"),
    path("bargaining/mine/", views.mine_view, name="mine"),
    path("bargaining/start/", views.start_view, name="start"),
    path("bargaining/templates/", views.templates_view, name="templates"),
    path("bargaining/<int:bargaining_id>/", views.detail_view, name="detail"),
    path("bargaining/<int:bargaining_id>/act/", views.act_view, name="act"),
    path("bargaining/<int:bargaining_id>/vote/", views.vote_view, name="vote"),
    path("bargaining/rounds/<int:round_id>.ics", views.round_ics_view, name="round_ics"),
    path("bargaining/contracts/", views.contracts_view, name="contracts"),
    path("bargaining/contracts/register/", views.register_view, name="register"),
    path("bargaining/contracts/<int:contract_id>/", views.contract_view, name="contract"),
    path("bargaining/contracts/<int:contract_id>/act/", views.contract_act_view, name="contract_act"),
    path("bargaining/contracts/<int:contract_id>.pdf", views.contract_pdf_view, name="contract_pdf"),
    path("bargaining/congress/<int:enterprise_id>/", views_congress.congress_view, name="congress"),
    path("bargaining/coverage/", views.coverage_view, name="coverage"),
    path("bargaining/coverage.xlsx", views.coverage_export_view, name="coverage_export"),
]
