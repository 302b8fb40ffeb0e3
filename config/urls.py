from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from .api import api

admin.site.site_header = f"{settings.ONEWINDOW_PLATFORM_NAME} 管理后台"
admin.site.site_title = settings.ONEWINDOW_PLATFORM_NAME
admin.site.index_title = "系统管理"

# Error pages in Chinese, in the site's layout (JSON on the API): see onewindow.core.views.
handler400 = "onewindow.core.views.bad_request"
handler403 = "onewindow.core.views.permission_denied"
handler404 = "onewindow.core.views.page_not_found"
handler500 = "onewindow.core.views.server_error"

urlpatterns = [
    path("api/v1/", api.urls),
    # The unversioned address of the interactive API documentation.
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("captcha/", include("captcha.urls")),
    path("", include("onewindow.accounts.urls")),
    path("", include("onewindow.integrations.urls")),
    path("staff/", include("onewindow.supervision.urls")),
    path("", include("onewindow.catalog.urls")),
    path("", include("onewindow.licences.urls")),
    path("", include("onewindow.materials.urls")),
    path("", include("onewindow.tickets.urls")),
    path("", include("onewindow.grid.urls")),
    path("", include("onewindow.news.urls")),
    path("", include("onewindow.consult.urls")),
    path("", include("onewindow.lifecycle.urls")),

    path("", include("onewindow.homecare.urls")),
    path("", include("onewindow.cases.urls")),
    path("", include("onewindow.hall.kiosk_urls")),
    path("", include("onewindow.hall.urls")),
    path("", include("onewindow.supervision.opendata_urls")),
    path("", include("onewindow.portal.urls")),
]
