from django.urls import path

from . import opendata_views as views

app_name = "opendata"

urlpatterns = [
    path("data/", views.catalogue, name="catalogue"),
    path("data/catalog.jsonld", views.catalogue_jsonld, name="catalogue_jsonld"),
    path("data/<slug:slug>/", views.dataset_page, name="dataset"),
    path("data/<slug:slug>.<str:fmt>", views.download, name="download"),
    path("staff/data/applications/", views.applications_page, name="applications"),
    path("staff/data/applications/<uuid:public_id>/decide/", views.application_decide, name="application_decide"),
]
