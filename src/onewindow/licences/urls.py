from django.urls import path

from . import views

app_name = "licences"

urlpatterns = [
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/keys.json", views.verify_keys, name="verify_keys"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("me/licences/", views.my_licences, name="mine"),
    path("me/licences/<uuid:public_id>/", views.my_licence, name="my_detail"),
    path("me/licences/<uuid:public_id>/pdf", views.my_licence_pdf, name="my_pdf"),
    path("staff/licences/", views.staff_licences, name="staff_list"),
    path("staff/licences/import/", views.staff_import, name="staff_import"),
    path("staff/licences/import/template.csv", views.staff_import_template, name="staff_import_template"),
    path("staff/licences/<uuid:public_id>/", views.staff_licence, name="staff_detail"),
    path("staff/licences/<uuid:public_id>/pdf", views.staff_licence_pdf, name="staff_pdf"),
    path("staff/licences/<uuid:public_id>/revoke/", views.staff_licence_revoke, name="staff_revoke"),
]
