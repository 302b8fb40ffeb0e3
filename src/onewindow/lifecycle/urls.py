from django.urls import path

from . import views

app_name = "lifecycle"

urlpatterns = [
    path("my/lifecycle/", views.mine, name="mine"),
    path("lifecycle/<uuid:public_id>/", views.detail, name="detail"),
]
