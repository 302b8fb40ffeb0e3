"""The self-service kiosk (自助终端) of one service hall: /kiosk/<hall public id>/."""

from django.urls import path

from . import kiosk_views as views

app_name = "kiosk"

urlpatterns = [
    path("kiosk/", views.halls, name="halls"),
    path("kiosk/<uuid:hall_id>/", views.home, name="home"),
    path("kiosk/<uuid:hall_id>/identify/", views.identify, name="identify"),
    path("kiosk/<uuid:hall_id>/exit/", views.exit_, name="exit"),
    path("kiosk/<uuid:hall_id>/items/", views.items, name="items"),
    path("kiosk/<uuid:hall_id>/items/<uuid:item_id>/", views.item, name="item"),
    path("kiosk/<uuid:hall_id>/items/<uuid:item_id>/apply/", views.apply, name="apply"),
    path("kiosk/<uuid:hall_id>/cases/<uuid:case_id>/", views.case, name="case"),
    path("kiosk/<uuid:hall_id>/cases/<uuid:case_id>/receipt/", views.receipt, name="receipt"),
    path("kiosk/<uuid:hall_id>/progress/", views.progress, name="progress"),
    path("kiosk/<uuid:hall_id>/licences/", views.licences, name="licences"),
    path("kiosk/<uuid:hall_id>/take/", views.take, name="take"),
    path("kiosk/<uuid:hall_id>/tickets/<uuid:ticket_id>/", views.ticket, name="ticket"),
    path("kiosk/<uuid:hall_id>/checkin/", views.checkin, name="checkin"),
]
