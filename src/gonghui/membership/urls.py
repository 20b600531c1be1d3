from django.urls import path

from gonghui.membership import views

app_name = "membership"

urlpatterns = [
    path("membership/", views.mine_view, name="mine"),
    path("membership/join/", views.join_view, name="join"),
    path("membership/join/code/", views.send_code_view, name="send_code"),
    path("membership/applications/<int:join_application_id>/", views.application_view, name="application"),
    path("membership/applications/<int:join_application_id>/resubmit/", views.resubmit_view, name="resubmit"),
    path("membership/applications/<int:join_application_id>/decide/", views.decide_view, name="decide"),
    path("membership/queue/", views.queue_view, name="queue"),
    path("membership/transfers/", views.transfers_view, name="transfers"),
    path("membership/transfers/request/", views.transfer_request_view, name="transfer_request"),
    path("membership/transfers/<int:transfer_id>/act/", views.transfer_action_view, name="transfer_action"),
    path("membership/members/<int:membership_id>/act/", views.member_action_view, name="member_action"),
    path("membership/rebind/", views.rebind_view, name="rebind"),
    path("membership/rebind/cancel/", views.rebind_cancel_view, name="rebind_cancel"),
    path("membership/rebinds/", views.rebinds_view, name="rebinds"),
    path("membership/rebinds/<int:rebind_id>/review/", views.rebind_review_view, name="rebind_review"),
    path("membership/correct/", views.correct_view, name="correct"),
    path("membership/corrections/", views.corrections_view, name="corrections"),
    path("membership/corrections/<int:correction_id>/decide/", views.correction_decide_view, name="correction_decide"),
    path("membership/figures/", views.figures_view, name="figures"),
    path("membership/figures.xlsx", views.figures_export_view, name="figures_export"),
    path("membership/card.pdf", views.card_pdf_view, name="card_pdf"),
    path("membership/verify/", views.verify_view, name="verify"),
    path("membership/card-keys.json", views.card_keys_view, name="card_keys"),
]
