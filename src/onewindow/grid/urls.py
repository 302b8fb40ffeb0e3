from django.urls import path

from . import views

app_name = "grid"

urlpatterns = [
    path("staff/grid/", views.home, name="home"),
    path("staff/grid/households/", views.households, name="households"),
    path("staff/grid/households/<uuid:public_id>/", views.household, name="household"),
    path("staff/grid/households/<uuid:public_id>/visit/", views.visit, name="visit"),
    path("staff/grid/households/<uuid:public_id>/proxy/", views.proxy, name="proxy"),
    path("staff/grid/residents/<uuid:public_id>/reveal/", views.resident_reveal, name="resident_reveal"),
    path("staff/grid/residents/<uuid:public_id>/register/", views.resident_register, name="resident_register"),
    path("staff/grid/events/", views.events, name="events"),
    path("staff/grid/events/new/", views.event_new, name="event_new"),
    path("staff/grid/events/<uuid:public_id>/", views.event, name="event"),
    path("staff/grid/events/<uuid:public_id>/check/", views.event_check, name="event_check"),
    path("staff/grid/declarations/", views.declarations, name="declarations"),
    path("staff/grid/declarations/<uuid:public_id>/", views.declaration, name="declaration"),
    path("staff/grid/declarations/<uuid:public_id>/decide/", views.declaration_decide, name="declaration_decide"),
    path("staff/grid/map/", views.grid_map, name="map"),
    path("staff/grid/figures/", views.figures, name="figures"),
    path("staff/grid/photos/<uuid:public_id>/", views.photo, name="photo"),
    path("my/household/", views.my_household, name="my_household"),
    path("my/household/declare/<str:kind>/", views.my_declare, name="my_declare"),
]
