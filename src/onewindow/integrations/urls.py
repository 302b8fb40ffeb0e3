from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("staff/integrations/clients/", views.clients, name="clients"),
    path("staff/integrations/clients/<str:client_id>/rotate/", views.client_rotate, name="client_rotate"),
    path("staff/integrations/clients/<str:client_id>/revoke/", views.client_revoke, name="client_revoke"),
]
