from django.urls import path

from . import background_views, calendar_views, views

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
]
