from django.urls import path

from . import views

app_name = "homecare"

urlpatterns = [
    path("care/", views.public, name="public"),
    path("my/care/", views.my, name="my"),
    path("my/care/order/", views.my_order_new, name="my_order_new"),
    path("my/care/orders/<uuid:public_id>/", views.my_order, name="my_order"),
    path("my/care/orders/<uuid:public_id>/receipt/", views.receipt, name="receipt"),
    path("staff/care/", views.home, name="home"),
    path("staff/care/today/", views.carer_day, name="carer_day"),
    path("staff/care/orders/<uuid:public_id>/", views.order, name="order"),
    path("staff/care/elders/", views.elders, name="elders"),
    path("staff/care/elders/new/", views.elder_new, name="elder_new"),
    path("staff/care/elders/<uuid:public_id>/", views.elder, name="elder"),
    path("staff/care/elders/<uuid:public_id>/assess/", views.assess, name="assess"),
    path("staff/care/figures/", views.figures, name="figures"),
    path("staff/care/data/", views.data, name="data"),
    path("staff/care/policy/", views.policy, name="policy"),
    path("staff/care/providers/", views.providers, name="providers"),
    path("staff/care/settlements/", views.settlements, name="settlements"),
    path("staff/care/settlements/<uuid:public_id>/", views.settlement, name="settlement"),
]
