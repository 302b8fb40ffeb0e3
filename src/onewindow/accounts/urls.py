from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("me/", views.me, name="me"),
    path("staff/people/", views.people, name="people"),
    path("staff/people/<uuid:public_id>/", views.person_detail, name="person"),
    path("staff/people/<uuid:public_id>/reveal/", views.person_reveal, name="person_reveal"),
    path("staff/people/<uuid:public_id>/edit/", views.person_edit, name="person_edit"),
]
