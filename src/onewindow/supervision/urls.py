from django.urls import path

from . import calendar_views, views

app_name = "supervision"

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit, name="audit"),
    path("calendar/", calendar_views.calendar_home, name="calendar"),
    path("calendar/<int:year>/", calendar_views.calendar_year, name="calendar_year"),
    path("calendar/<int:year>/import/", calendar_views.calendar_import, name="calendar_import"),
]
