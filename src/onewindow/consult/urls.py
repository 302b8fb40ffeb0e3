from django.urls import path

from . import views

app_name = "consult"

urlpatterns = [
    path("consult/", views.mine, name="mine"),
    path("consult/<uuid:public_id>/", views.chat, name="chat"),
    path("consult/<uuid:public_id>/send/", views.send, name="send"),
    path("consult/<uuid:public_id>/files/<uuid:file_id>/", views.file, name="file"),
    path("consult/<uuid:public_id>/close/", views.close, name="close"),
    path("consult/<uuid:public_id>/rate/", views.rate, name="rate"),
    path("consult/<uuid:public_id>/tool/<str:tool>/", views.tool, name="tool"),
    path("staff/consult/", views.inbox, name="inbox"),
    path("staff/consult/duty/", views.duty, name="duty"),
    path("staff/consult/faq/<uuid:public_id>/approve/", views.faq_approve, name="faq_approve"),
    path("staff/consult/figures/", views.figures, name="figures"),
]
