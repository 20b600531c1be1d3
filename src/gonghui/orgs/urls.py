from django.urls import path

from gonghui.orgs import views

app_name = "orgs"

urlpatterns = [
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/login/sms/", views.sms_login_view, name="login_sms"),
    path("accounts/login/sms/send/", views.sms_send_view, name="login_sms_send"),
    path("accounts/login/otp/", views.login_otp_view, name="login_otp"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/security/", views.security_view, name="security"),
    path("accounts/security/totp/", views.totp_enrol_view, name="totp_enrol"),
    path("accounts/profile/", views.profile_view, name="profile"),
    path("console/switch-unit/", views.switch_unit_view, name="switch_unit"),
    path("units/", views.unit_list_view, name="unit_list"),
    path("units/<int:unit_id>/", views.unit_detail_view, name="unit_detail"),
    path("units/<int:unit_id>/new-child/", views.unit_create_view, name="unit_create"),
    path("units/<int:unit_id>/edit/", views.unit_edit_view, name="unit_edit"),
    path("units/<int:unit_id>/move/", views.unit_move_view, name="unit_move"),
    path("people/accounts/", views.account_list_view, name="account_list"),
    path("people/accounts/new/", views.account_create_view, name="account_create"),
    path("people/accounts/<int:user_id>/", views.account_detail_view, name="account_detail"),
    path("people/accounts/<int:user_id>/grant/", views.account_grant_view, name="account_grant"),
    path("people/accounts/<int:user_id>/otp/", views.account_otp_view, name="account_otp"),
    path("people/accounts/<int:user_id>/reveal-phone/", views.account_reveal_phone_view, name="account_reveal_phone"),
    path("people/roles/<int:assignment_id>/revoke/", views.role_revoke_view, name="role_revoke"),
    path("audit/", views.audit_list_view, name="audit_list"),
]
