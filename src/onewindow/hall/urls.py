"""Pages of the service hall. ``hall:book_item`` (``/hall/book/item/<item id>/``) is the stable
address for booking a named item: the catalogue's guides link to it."""

from django.urls import path

from . import views

app_name = "hall"

urlpatterns = [
    # Citizens.
    path("hall/", views.halls, name="halls"),
    path("hall/<uuid:hall_id>/take/", views.take, name="take"),
    path("hall/t/<uuid:ticket_id>/", views.ticket, name="ticket"),
    path("hall/t/<uuid:ticket_id>/cancel/", views.ticket_cancel, name="ticket_cancel"),
    path("hall/book/item/<uuid:item_id>/", views.book_item, name="book_item"),
    path("hall/<uuid:hall_id>/book/<uuid:type_id>/", views.book, name="book"),
    path("hall/appointments/", views.appointments, name="appointments"),
    path("hall/appointments/<uuid:appointment_id>/", views.appointment, name="appointment"),
    path("hall/appointments/<uuid:appointment_id>/cancel/", views.appointment_cancel, name="appointment_cancel"),
    # The calling screen (TV over the waiting area).
    path("hall/<uuid:hall_id>/screen/", views.screen, name="screen"),
    # Staff.
    path("hall/staff/", views.staff_home, name="staff"),
    path("hall/staff/panel/", views.panel, name="panel"),
    path("hall/staff/panel/<slug:action>/", views.panel_act, name="panel_act"),
    path("hall/staff/figures/", views.figures, name="figures"),
    path("hall/staff/tickets/<uuid:ticket_id>/", views.ticket_trace, name="trace"),
    path("hall/staff/<uuid:hall_id>/guide/", views.guide, name="guide"),
    path("hall/staff/<uuid:hall_id>/live/", views.live, name="live"),
]
