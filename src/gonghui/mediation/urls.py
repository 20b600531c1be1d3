from django.urls import path

from gonghui.mediation import views

app_name = "mediation"

urlpatterns = [
    path("mediation/", views.overview_view, name="overview"),
    path("mediation/mine/", views.mine_view, name="mine"),
    path("mediation/apply/", views.apply_view, name="apply"),
    path("mediation/negotiate/", views.negotiate_view, name="negotiate"),
    path("mediation/negotiations/<int:negotiation_id>/", views.negotiation_view, name="negotiation"),
    path("mediation/negotiations/<int:negotiation_id>/act/", views.negotiation_act_view, name="negotiation_act"),
    path("mediation/record/", views.record_view, name="record"),
    path("mediation/cases/", views.case_list_view, name="cases"),
    path("mediation/cases/<int:case_id>/", views.case_view, name="case"),
    path("mediation/cases/<int:case_id>/act/", views.case_act_view, name="act"),
    path("mediation/sessions/<int:session_id>.ics", views.session_ics_view, name="session_ics"),
    path("mediation/messages/<int:message_id>/evidence/", views.evidence_view, name="evidence"),
    path("mediation/bodies/", views.bodies_view, name="bodies"),
    path("mediation/bodies/<int:body_id>/", views.body_view, name="body"),
    path("mediation/bodies/<int:body_id>/seal/", views.seal_view, name="seal"),
    path("mediation/figures/", views.figures_view, name="figures"),
    path("mediation/figures.xlsx", views.figures_export_view, name="figures_export"),
] + [
    # The printable papers of a case, one route each (the sweep walks them like any other page).
    path(f"mediation/cases/<int:case_id>/{kind}.pdf", views.document_view, {"kind": kind}, name=f"document-{kind}")
    for kind in views.DOCUMENTS
]
