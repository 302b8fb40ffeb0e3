from django.db import models


class UserKind(models.TextChoices):
    CITIZEN = "citizen", "个人"
    ENTERPRISE = "enterprise", "法人/企业"
    STAFF = "staff", "工作人员"


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
AUDIT_LOGIN = "user.login"
