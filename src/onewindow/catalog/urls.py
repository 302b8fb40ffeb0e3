from django.urls import path

from . import guide_views, views

app_name = "catalog"

urlpatterns = [
    # Staff: catalogue administration (事项管理).
    path("staff/catalog/", views.admin_items, name="admin_items"),
    path("staff/catalog/new/", views.admin_item_new, name="admin_item_new"),
    path("staff/catalog/import/", views.admin_import, name="admin_import"),
    path("staff/catalog/export/", views.admin_export, name="admin_export"),
    path("staff/catalog/items/<uuid:public_id>/", views.admin_item, name="admin_item"),
    path("staff/catalog/items/<uuid:public_id>/edit/", views.admin_item_edit,
         name="admin_item_edit"),
    path("staff/catalog/items/<uuid:public_id>/publish/", views.admin_item_publish,
         name="admin_item_publish"),
    path("staff/catalog/items/<uuid:public_id>/retire/", views.admin_item_retire,
         name="admin_item_retire"),
    path("staff/catalog/items/<uuid:public_id>/discard/", views.admin_draft_discard,
         name="admin_draft_discard"),
    path("staff/catalog/items/<uuid:public_id>/versions/", views.admin_versions,
         name="admin_versions"),
    path("staff/catalog/items/<uuid:public_id>/materials/", views.admin_materials,
         name="admin_materials"),
    path("staff/catalog/lists/", views.admin_lists, name="admin_lists"),
    path("staff/catalog/items/<uuid:public_id>/lists/", views.admin_item_lists,
         name="admin_item_lists"),
    path("staff/catalog/versions/<uuid:public_id>/", views.admin_version, name="admin_version"),
    path("staff/catalog/materials/<uuid:public_id>/", views.admin_material_edit,
         name="admin_material_edit"),
    # Public: service guide (办事指南) and search.
    path("guide/", guide_views.guide_index, name="guide"),
    path("guide/themes/", guide_views.guide_themes, name="guide_themes"),
    path("guide/lists/", guide_views.guide_lists, name="guide_lists"),
    path("guide/lists/<str:code>/", guide_views.guide_lists_department,
         name="guide_lists_department"),
    path("guide/item/<uuid:public_id>/", guide_views.guide_item, name="guide_item"),
    path("guide/item/<uuid:public_id>/print/", guide_views.guide_item_print,
         name="guide_item_print"),
    path("guide/version/<uuid:public_id>/", guide_views.guide_version, name="guide_version"),
    # Public: material forms and samples (published and retired versions).
    path("catalog/materials/<uuid:public_id>/<str:kind>", views.material_file,
         name="material_file"),
]
