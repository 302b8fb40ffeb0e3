from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from .api import api

admin.site.site_header = f"{settings.ONEWINDOW_PLATFORM_NAME} 管理后台"
admin.site.site_title = settings.ONEWINDOW_PLATFORM_NAME
admin.site.index_title = "系统管理"

urlpatterns = [
    path("api/v1/", api.urls),
    # The unversioned address of the interactive API documentation.
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("onewindow.accounts.urls")),
    path("staff/", include("onewindow.supervision.urls")),
    path("", include("onewindow.catalog.urls")),
    path("", include("onewindow.licences.urls")),
    path("", include("onewindow.tickets.urls")),
    path("", include("onewindow.grid.urls")),
    path("", include("onewindow.cases.urls")),
    path("", include("onewindow.cases.kiosk_urls")),
    path("", include("onewindow.portal.urls")),
]
