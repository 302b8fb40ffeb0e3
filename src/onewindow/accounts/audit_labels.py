"""How the audit trail reads the actions of people, staff, departments and tokens."""

from onewindow.core.audit_labels import (
    audit_action_register,
    audit_keys_register,
    audit_prefix_register,
    audit_resolver_register,
    name_of,
)

from .constants import Role


def _departments(codes: set[str]) -> dict[str, str]:
    from .models import Department

    return dict(Department.objects.filter(code__in=codes).values_list("code", "name"))


ROLES = {str(value): str(label) for value, label in Role.choices}

audit_resolver_register("department", _departments)
audit_keys_register({"employee_no": "工号", "roles": "角色", "reason": "理由", "fields": "修改项",
                     "expires_at": "有效期至", "prefix": "令牌前缀", "username": "用户名"})
audit_prefix_register("person.", "居民信息")
audit_prefix_register("staff.", "工作人员")
audit_action_register("person.create", "登记居民", summarize=lambda s, n: (
    f"批量登记 {s['batch']} 人（{s.get('source', '')}）" if "batch" in s else ""))
audit_action_register("person.update", "修改居民信息")
audit_action_register("person.unmask", "查看居民完整证件号或电话", summarize=lambda s, n: (
    f"理由：{s['reason']}" if s.get("reason") else ""))
audit_action_register("enterprise.create", "登记企业", summarize=lambda s, n: (
    f"批量登记 {s['batch']} 家" if "batch" in s else ""))
audit_action_register("staff.create", "新增工作人员", values={"roles": ROLES}, summarize=lambda s, n: (
    f"工号 {s.get('employee_no', '—')}，{'、'.join(ROLES.get(r, r) for r in s.get('roles', []))}"
    + (f"，{'、'.join(name_of(n, 'department', d) for d in s['departments'])}" if s.get("departments") else "")))
audit_action_register("staff.scope_change", "调整工作人员的角色或范围", values={"roles": ROLES})
audit_action_register("department.create", "新增部门", summarize=lambda s, n: (
    f"批量新增 {s['batch']} 个部门" if "batch" in s else ""))
audit_action_register("service_hall.create", "新增服务大厅")
audit_action_register("service_window.create", "新增服务窗口")
audit_action_register("api_token.create", "创建接口令牌")
audit_action_register("api_token.revoke", "吊销接口令牌")
audit_action_register("user.login", "登录")
audit_prefix_register("service_client.", "服务账户")
audit_keys_register({"client_id": "客户端编号", "scopes": "权限范围", "method": "请求方法", "path": "接口",
                     "status": "应答状态", "scope": "所需权限"})
audit_action_register("service_client.create", "新建服务账户", summarize=lambda s, n: (
    f"{s.get('name', '')}（{s.get('client_id', '')}），权限 {' '.join(s.get('scopes', []))}"))
audit_action_register("service_client.rotate", "更换服务账户密钥")
audit_action_register("service_client.revoke", "吊销服务账户")
audit_action_register("service_client.update", "调整服务账户的权限范围或可访问范围")
audit_action_register("service_client.token", "服务账户换取令牌")
audit_action_register("service_client.call", "服务账户调用接口", summarize=lambda s, n: (
    f"{s.get('method', '')} {s.get('path', '')} → {s.get('status', '')}"))
