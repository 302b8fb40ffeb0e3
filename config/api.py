"""The /api/v1 NinjaAPI: every app contributes one router."""

from django.db import connection
from django.http import HttpRequest
from ninja import Schema

from onewindow.accounts.api import router as accounts_router
from onewindow.accounts.auth import install_service_client_checks
from onewindow.cases.api import router as cases_router
from onewindow.catalog.api import router as catalog_router
from onewindow.catalog.api_public import router as catalog_public_router
from onewindow.consult.api import router as consult_router
from onewindow.core.api import OneWindowAPI, install_error_handlers
from onewindow.grid.api import router as grid_router
from onewindow.hall.api import router as hall_router
from onewindow.homecare.api import router as homecare_router
from onewindow.integrations.api import router as integrations_router
from onewindow.integrations.idempotency import install_idempotent_creates
from onewindow.licences.api import router as licences_router
from onewindow.lifecycle.api import router as lifecycle_router
from onewindow.materials.api import router as materials_router
from onewindow.news.api import router as news_router
from onewindow.portal.api import router as portal_router
from onewindow.regions.api import router as regions_router
from onewindow.supervision.api import router as supervision_router
from onewindow.supervision.assessment_api import router as assessment_router
from onewindow.supervision.calendar_api import router as calendar_router
from onewindow.supervision.dashboard_api import router as dashboard_router
from onewindow.supervision.monitor_api import router as monitor_router
from onewindow.supervision.opendata_api import router as opendata_router
from onewindow.tickets.api import router as tickets_router

api = OneWindowAPI(
    title="OneWindow 一窗通办 API",
    version="1.0.0",
    description=(
        "区级“互联网+政务服务”平台接口。错误统一返回 {code, message, detail, fields, request_id}；"
        "认证方式：浏览器会话（需 CSRF）或 Bearer 令牌（个人：POST /api/v1/auth/tokens；服务账户："
        "POST /api/v1/auth/client-tokens，按 资源:操作 授权，见各接口的 x-scope）。"
    ),
    urls_namespace="api-v1",
    docs_url="/docs",
)
install_error_handlers(api)
install_service_client_checks(api)


class HealthOut(Schema):
    status: str
    database: str


@api.get("/health", response=HealthOut, tags=["平台 core"], summary="健康检查")
def health(request: HttpRequest) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "database": connection.vendor}


api.add_router("/", regions_router)
api.add_router("/", accounts_router)
api.add_router("/", integrations_router)
api.add_router("/", catalog_router)
api.add_router("/", catalog_public_router)
api.add_router("/", licences_router)
api.add_router("/", materials_router)
api.add_router("/", cases_router)
api.add_router("/", hall_router)
api.add_router("/", tickets_router)
api.add_router("/", grid_router)
api.add_router("/", news_router)
api.add_router("/", consult_router)
api.add_router("/", lifecycle_router)
api.add_router("/", portal_router)
api.add_router("/", homecare_router)
api.add_router("/", supervision_router)
api.add_router("/", calendar_router)
api.add_router("/", dashboard_router)
api.add_router("/", monitor_router)
api.add_router("/", assessment_router)
api.add_router("/", opendata_router)

# Every create answers a retried Idempotency-Key with its first answer (see docs/api.md).
install_idempotent_creates(api)
