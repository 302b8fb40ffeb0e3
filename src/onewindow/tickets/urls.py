from django.urls import path, re_path

from . import open311, views

app_name = "tickets"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns: list = [
    # Open311 GeoReport v2
    re_path(r"^open311/discovery" + FMT, open311.discovery, name="open311_discovery_root"),
    re_path(r"^open311/v2/discovery" + FMT, open311.discovery, name="open311_discovery"),
    re_path(r"^open311/v2/services" + FMT, open311.services_list, name="open311_services"),
    re_path(r"^open311/v2/services/(?P<service_code>[\w-]+)" + FMT, open311.service_definition,
            name="open311_service"),
    re_path(r"^open311/v2/requests" + FMT, open311.requests, name="open311_requests"),
    re_path(r"^open311/v2/requests/(?P<request_id>[\w-]+)" + FMT, open311.request_detail, name="open311_request"),
    re_path(r"^open311/v2/tokens/(?P<token_id>[\w-]+)" + FMT, open311.token, name="open311_token"),
    re_path(r"^open311/(?P<rest>.*)$", open311.not_found, name="open311_not_found"),
]

# Pages
urlpatterns += [
    path("staff/hotline/", views.home, name="home"),
    path("staff/hotline/call/", views.call, name="call"),
    path("staff/hotline/call/suggest/", views.call_suggest, name="call_suggest"),
    path("staff/hotline/call/history/", views.caller_history, name="caller_history"),
    path("staff/hotline/call/locate/", views.call_locate, name="call_locate"),
    path("staff/hotline/call/<uuid:public_id>/", views.call_done, name="call_done"),
    path("staff/hotline/triage/", views.triage, name="triage"),
    path("staff/hotline/inbox/", views.inbox, name="inbox"),
    path("staff/hotline/callbacks/", views.callbacks, name="callbacks"),
    path("staff/hotline/supervise/", views.supervise, name="supervise"),
    path("staff/hotline/kb/", views.kb, name="kb"),
    path("staff/hotline/classifier/", views.classifier_page, name="classifier"),
    path("staff/hotline/report/", views.report, name="report"),
    path("staff/hotline/report/hotspots/", views.report_hotspots, name="report_hotspots"),
    path("staff/hotline/tickets/", views.ticket_list, name="list"),
    path("staff/hotline/tickets/<uuid:public_id>/", views.ticket_detail, name="detail"),
    path("staff/hotline/tickets/<uuid:public_id>/<slug:action>/", views.ticket_action, name="action"),
    path("hotline/new/", views.public_new, name="public_new"),
    path("hotline/track/", views.public_track, name="public_track"),
]
