from django.urls import path

from . import views

app_name = "news"

urlpatterns = [
    path("news/", views.news_list, name="list"),
    path("news/<uuid:public_id>/", views.news_detail, name="detail"),
    path("news/<uuid:public_id>/files/<uuid:file_id>/", views.news_file, name="file"),
    path("open/", views.open_catalogue, name="open"),
    path("staff/news/", views.staff_list, name="staff_list"),
    path("staff/news/new/", views.staff_new, name="staff_new"),
    path("staff/news/feeds/", views.staff_feeds, name="staff_feeds"),
    path("staff/news/feeds/<uuid:public_id>/fetch/", views.staff_feed_fetch, name="staff_feed_fetch"),
    path("staff/news/<uuid:public_id>/", views.staff_item, name="staff_item"),
    path("staff/news/<uuid:public_id>/files/", views.staff_file_add, name="staff_file_add"),
    path("staff/news/<uuid:public_id>/files/<uuid:file_id>/", views.staff_file, name="staff_file"),
    path("staff/news/<uuid:public_id>/files/<uuid:file_id>/remove/", views.staff_file_remove,
         name="staff_file_remove"),
    path("staff/news/<uuid:public_id>/<str:action>/", views.staff_action, name="staff_action"),
]
