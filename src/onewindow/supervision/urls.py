from django.urls import path

from . import background_views, calendar_views, supervise_views, views

app_name = "supervision"

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit, name="audit"),
    path("background/", background_views.background_home, name="background"),
    path("background/<uuid:task_id>/retry/", background_views.background_retry, name="background_retry"),
    path("background/<uuid:task_id>/dismiss/", background_views.background_dismiss,
         name="background_dismiss"),
    path("calendar/", calendar_views.calendar_home, name="calendar"),
    path("calendar/<int:year>/", calendar_views.calendar_year, name="calendar_year"),
    path("calendar/<int:year>/import/", calendar_views.calendar_import, name="calendar_import"),
    path("monitor/", supervise_views.monitor_page, name="monitor"),
    path("monitor/tickets/<uuid:public_id>/order/", supervise_views.ticket_order, name="ticket_order"),
    path("monitor/cases/", supervise_views.case_orders_page, name="case_orders"),
    path("monitor/cases/<uuid:public_id>/", supervise_views.case_order, name="case_order"),
    path("assessment/", supervise_views.assessment_home, name="assessment"),
    path("assessment/<str:period>/", supervise_views.assessment_run, name="assessment_run"),
    path("assessment/<str:period>/<slug:action>/", supervise_views.assessment_action, name="assessment_action"),
    path("dashboard/", supervise_views.dashboard_page, name="dashboard"),
]
