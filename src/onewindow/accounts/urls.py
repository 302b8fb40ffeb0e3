from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/register/", views.register_choice, name="register"),
    path("accounts/register/person/", views.register, {"kind": "person"}, name="register_person"),
    path("accounts/register/enterprise/", views.register, {"kind": "enterprise"}, name="register_enterprise"),
    path("accounts/register/done/", views.register_done, name="register_done"),
    path("accounts/agreement/", views.agreement, name="agreement"),
    path("accounts/password_reset/", views.password_reset, name="password_reset"),
    path("accounts/password_reset/confirm/", views.password_reset_confirm, name="password_reset_confirm"),
    path("accounts/password_reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path("accounts/captcha/", views.captcha_refresh, name="captcha_refresh"),
    path("me/", views.me, name="me"),
    path("me/password/", views.me_password, name="me_password"),
    path("me/phone/", views.me_phone, name="me_phone"),
    path("staff/accounts/register/", views.window_register, name="window_register"),
    path("staff/people/", views.people, name="people"),
    path("staff/people/<uuid:public_id>/", views.person_detail, name="person"),
    path("staff/people/<uuid:public_id>/reveal/", views.person_reveal, name="person_reveal"),
    path("staff/people/<uuid:public_id>/edit/", views.person_edit, name="person_edit"),
]
