from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("staff/integrations/clients/", views.clients, name="clients"),
    path("staff/integrations/clients/<str:client_id>/", views.client_detail, name="client"),
    path("staff/integrations/clients/<str:client_id>/webhooks/<str:subscription_id>/delete/", views.webhook_delete,
         name="webhook_delete"),
    path("staff/integrations/clients/<str:client_id>/deliveries/<str:delivery_id>/redeliver/",
         views.delivery_redeliver, name="delivery_redeliver"),
    path("staff/integrations/clients/<str:client_id>/edit/", views.client_edit, name="client_edit"),
    path("staff/integrations/clients/<str:client_id>/rotate/", views.client_rotate, name="client_rotate"),
    path("staff/integrations/clients/<str:client_id>/revoke/", views.client_revoke, name="client_revoke"),
]
