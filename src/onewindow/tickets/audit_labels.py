"""How the audit trail reads the hotline's actions."""

from onewindow.core.audit_labels import (
    audit_action_register,
    audit_keys_register,
    audit_prefix_register,
    name_of,
)

from . import constants as c

STEPS = {str(v): str(label) for v, label in c.Action.choices} | {
    "attachment_add": "上传附件", "duplicate_dismiss": "核实非重复件", "cohandler_add": "增加协办单位",
    "supervise": "督办", "extension_request": "申请延期", "extension_decide": "审批延期"}
STATUSES = {str(v): str(label) for v, label in c.Status.choices}
VALUES = {"step": STEPS, "status": STATUSES, "from_status": STATUSES,
          "channel": {str(v): str(label) for v, label in c.Channel.choices},
          "kind": {str(v): str(label) for v, label in c.TicketKind.choices},
          "satisfaction": {str(v): str(label) for v, label in c.Satisfaction.choices}}

audit_keys_register({"step": "环节", "classifier": "智能分类", "label": "分类", "confidence": "置信度",
                     "into": "并入", "warned": "预警", "overdue": "超期", "orders_overdue": "督办超期",
                     "satisfaction": "满意度", "solved": "问题解决", "keywords": "关键词"})
audit_prefix_register("ticket.", "12345 工单")


def _transition(s: dict, n: dict) -> str:
    step = STEPS.get(s.get("step", ""), "")
    text = f"工单 {s.get('number', '—')}" + (f"：{step}" if step else "")
    if s.get("department"):
        text += f"（{name_of(n, 'department', s['department'])}）"
    return text


audit_action_register("ticket.create", "登记工单", values=VALUES, summarize=lambda s, n: (
    f"工单 {s.get('number', '—')}，{VALUES['channel'].get(s.get('channel', ''), '')}"
    f"{VALUES['kind'].get(s.get('kind', ''), '')}，"
    + (f"派至{name_of(n, 'department', s['department'])}" if s.get("department")
       else STATUSES.get(s.get("status", ""), ""))))
audit_action_register("ticket.transition", "工单办理", values=VALUES, summarize=_transition)
audit_action_register("ticket.requester_reveal", "查看诉求人联系方式", summarize=lambda s, n: (
    f"工单 {s.get('number', '—')}，理由：{s.get('reason', '—')}"))
audit_action_register("ticket.merge", "合并重复工单", summarize=lambda s, n: (
    f"工单 {s.get('number', '—')} 并入 {s.get('into', '—')}"))
audit_action_register("ticket.deadline", "工单时限巡检", summarize=lambda s, n: (
    f"新预警 {s.get('warned', 0)} 件，新超期 {s.get('overdue', 0)} 件"))
audit_action_register("ticket.dispatch_rule", "修改派单规则")
audit_action_register("ticket.category_seed", "导入诉求分类")
audit_action_register("ticket.kb_change", "修改知识库")
audit_action_register("ticket.config_change", "修改热线设置")
audit_action_register("ticket.open311_client", "登记 Open311 客户端")
audit_action_register("ticket.export", "批量导出工单", summarize=lambda s, n: (
    f"{s.get('from', '—')[:10]} 至 {s.get('to', '—')[:10]}，格式 {s.get('format', '')}"))
