from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    # Citizens (and anyone: the progress query needs no sign-in).
    path("cases/progress/", views.progress, name="progress"),
    path("cases/apply/", views.apply_index, name="apply_index"),
    path("cases/apply/<uuid:item_id>/", views.apply_start, name="apply"),
    path("cases/mine/", views.my_cases, name="mine"),
    path("cases/bundles/new/", views.bundle_new, name="bundle_new"),
    path("cases/bundles/<uuid:public_id>/", views.bundle_detail, name="bundle"),
    path("cases/bundles/<uuid:public_id>/upload/", views.bundle_upload, name="bundle_upload"),
    path("cases/bundles/<uuid:public_id>/submit/", views.bundle_submit, name="bundle_submit"),
    # Staff.
    path("cases/staff/", views.workbench, name="workbench"),
    path("cases/staff/assign/", views.workbench_assign, name="workbench_assign"),
    path("cases/staff/intake/", views.intake, name="intake"),
    path("cases/staff/figures/", views.figures, name="figures"),
    path("cases/staff/figures/materials/", views.material_figures, name="material_figures"),
    path("cases/staff/follow-ups/", views.follow_ups, name="follow_ups"),
    path("cases/staff/follow-ups/<uuid:public_id>/", views.follow_up_detail, name="follow_up"),
    # One case (applicant or staff within scope).
    path("cases/<uuid:public_id>/", views.case_detail, name="detail"),
    path("cases/<uuid:public_id>/draft/", views.draft_save, name="draft_save"),
    path("cases/<uuid:public_id>/act/<slug:action>/", views.case_act, name="act"),
    path("cases/<uuid:public_id>/assign/", views.case_assign_one, name="assign"),
    path("cases/<uuid:public_id>/materials/<uuid:material_id>/upload/", views.material_upload,
         name="material_upload"),
    path("cases/<uuid:public_id>/materials/<uuid:material_id>/paper/", views.material_paper,
         name="material_paper"),
    path("cases/<uuid:public_id>/materials/<uuid:material_id>/commit/", views.material_commit,
         name="material_commit"),
    path("cases/<uuid:public_id>/materials/<uuid:material_id>/file/", views.material_file,
         name="material_file"),
    path("cases/<uuid:public_id>/materials/<uuid:material_id>/licence/", views.material_licence,
         name="material_licence"),
    path("cases/<uuid:public_id>/result.pdf", views.result_pdf, name="result_pdf"),
    path("cases/<uuid:public_id>/notice/<slug:kind>/", views.notice, name="notice"),
    path("cases/<uuid:public_id>/rate/", views.rate, name="rate"),
]
