from django.urls import path

from . import views

app_name = "materials"

urlpatterns = [
    path("me/materials/", views.my_materials, name="mine"),
    path("me/materials/<uuid:public_id>/consent/", views.my_material_consent, name="consent"),
    path("me/materials/<uuid:public_id>/copy/", views.my_material_copy, name="copy"),
    path("me/materials/licences/<uuid:public_id>/copy/", views.my_licence_copy, name="licence_copy"),
    path("staff/materials/postchecks/", views.postchecks, name="postchecks"),
    path("staff/materials/postchecks/<uuid:public_id>/", views.postcheck_result, name="postcheck_result"),
]
