from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("my/", views.my_centre, name="my"),
    path("my/inbox/", views.inbox, name="inbox"),
    path("my/inbox/read/", views.inbox_read, name="inbox_read"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="sw"),
    path("offline/", views.offline, name="offline"),
]
