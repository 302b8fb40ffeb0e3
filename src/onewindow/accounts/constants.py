from django.db import models


class UserKind(models.TextChoices):
    CITIZEN = "citizen", "个人"
    ENTERPRISE = "enterprise", "法人/企业"
    STAFF = "staff", "工作人员"
    SERVICE = "service", "服务账户"


class Role(models.TextChoices):
    WINDOW_CLERK = "window_clerk", "窗口受理人员"
    DEPT_REVIEWER = "dept_reviewer", "部门审批人员"
    HOTLINE_OPERATOR = "hotline_operator", "热线话务员"
    GRID_WORKER = "grid_worker", "网格员"
    CARE_PROVIDER = "care_provider", "养老服务人员"
    SUPERVISOR = "supervisor", "监督管理人员"
    LEADER = "leader", "领导"
    ADMINISTRATOR = "administrator", "系统管理员"


class DepartmentKind(models.TextChoices):
    BUREAU = "bureau", "委办局"
    STREET_OFFICE = "street_office", "街道办事处"
    COMMUNITY_COMMITTEE = "community_committee", "社区居委会"
    SERVICE_CENTRE = "service_centre", "政务服务中心"


class WindowKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", "综合受理窗口"
    SPECIAL = "special", "专窗"
    PICKUP = "pickup", "出件窗口"
    HELP = "help", "帮办代办"


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


# Actions (audit entry codes) of this app.
AUDIT_PERSON_CREATE = "person.create"
AUDIT_PERSON_UPDATE = "person.update"
AUDIT_PERSON_UNMASK = "person.unmask"
AUDIT_ENTERPRISE_CREATE = "enterprise.create"
AUDIT_STAFF_CREATE = "staff.create"
AUDIT_STAFF_SCOPE = "staff.scope_change"
AUDIT_TOKEN_CREATE = "api_token.create"
AUDIT_TOKEN_REVOKE = "api_token.revoke"
AUDIT_CLIENT_CREATE = "service_client.create"
AUDIT_CLIENT_ROTATE = "service_client.rotate"
AUDIT_CLIENT_REVOKE = "service_client.revoke"
AUDIT_CLIENT_UPDATE = "service_client.update"
AUDIT_CLIENT_TOKEN = "service_client.token"
AUDIT_CLIENT_CALL = "service_client.call"
AUDIT_LOGIN = "user.login"
AUDIT_ACCOUNT_REGISTER = "account.register"
AUDIT_ACCOUNT_WINDOW_REGISTER = "account.window_register"
AUDIT_PASSWORD_CHANGE = "account.password_change"
AUDIT_PASSWORD_RESET = "account.password_reset"
AUDIT_PHONE_CHANGE = "account.phone_change"


class SmsPurpose(models.TextChoices):
    REGISTER = "register", "注册"
    PASSWORD_RESET = "password_reset", "找回密码"
    PHONE_CHANGE = "phone_change", "更换手机号"
    WINDOW_REGISTER = "window_register", "窗口注册"


class RegistrationChannel(models.TextChoices):
    ONLINE = "online", "网上注册"
    API = "api", "接口注册"
    WINDOW = "window", "窗口注册"


class CardKind(models.TextChoices):
    """The factor verified besides the ID number and the mobile phone (国办函〔2016〕108号)."""

    SOCIAL_SECURITY_CARD = "social_security_card", "社会保障卡"
    BANK_CARD = "bank_card", "银行卡"


# Names of the verified factors recorded with a registration.
FACTOR_ID_NAME = "id_name"  # ID number and name matched by the real-name provider
FACTOR_MOBILE_SMS = "mobile_sms"  # the mobile phone proved by an SMS code
FACTOR_ID_CARD = "id_card"  # the ID card read by a card reader
FACTOR_IN_PERSON = "in_person"  # the person seen by a clerk at a window


# --- Service accounts (machine clients of the API) ----------------------------------------------
CLIENT_ID_PREFIX = "owc_"
CLIENT_SECRET_PREFIX = "ows_"
SERVICE_TOKEN_PREFIX = "ow_"  # service tokens are ordinary bearer tokens bound to their client
#: Actions of a scope ``<resource>:<action>``: ``read`` (GET), ``create`` (a POST answering
#: 201), ``write`` (any change, creates included), ``*`` (all).
SCOPE_ACTIONS = ("read", "create", "write", "*")
#: Resources of the API: one per app with a router (the app of the operation's module).
SCOPE_RESOURCES = (
    "accounts", "regions", "catalog", "licences", "materials", "cases", "hall", "tickets", "grid",
    "news", "consult", "lifecycle", "portal", "homecare", "supervision", "integrations",
)
