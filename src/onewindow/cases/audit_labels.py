"""How the audit trail reads the steps of applications (办件)."""

from onewindow.core.audit_labels import audit_action_register, audit_keys_register, audit_prefix_register

from .constants import ROLE_LABELS, Action, CaseStatus, Channel

STATUSES = {str(value): str(label) for value, label in CaseStatus.choices}
VALUES = {"from": STATUSES, "to": STATUSES, "role": ROLE_LABELS,
          "channel": {str(v): str(label) for v, label in Channel.choices}}

audit_keys_register({"paper": "纸质原件", "uploads": "上传件数", "step": "环节", "next": "下一环节",
                     "early": "提前办结", "overdue": "超期", "paused_days": "暂停天数", "method": "送达方式",
                     "tracking_no": "运单号", "licence_number": "证照编号", "provisional": "期限为暂定",
                     "approved": "准予件数", "cases": "办件", "purpose": "用途", "holder": "持证人",
                     "holder_id": "持证人证件号", "case_ref": "办件编号", "use": "用证记录"})
audit_prefix_register("case.", "办件操作")


def _step(s: dict, n: dict) -> str:
    text = f"办件 {s.get('number', '—')}"
    if s.get("from") and s.get("to") and s["from"] != s["to"]:
        text += f"：{STATUSES.get(s['from'], s['from'])} → {STATUSES.get(s['to'], s['to'])}"
    if s.get("step"):
        text += f"（{s['step']}）"
    if s.get("note"):
        text += f"；意见：{s['note']}"
    return text


for action, label in Action.choices:
    audit_action_register(f"case.{action}", str(label), summarize=_step, values=VALUES)
audit_action_register("case.window_intake", "窗口收件", values=VALUES, summarize=lambda s, n: (
    f"办件 {s.get('number', '—')}，纸质材料 {s.get('paper', 0)} 件，上传 {s.get('uploads', 0)} 件"))
audit_action_register("case.draft_save", "保存申请草稿", values=VALUES, summarize=lambda s, n: (
    ("新建草稿" if s.get("created") else "修改草稿") + (f"（{VALUES['channel'].get(s['channel'], s['channel'])}）"
                                                   if s.get("channel") else "")))
audit_action_register("case.draft_discard", "删除申请草稿")
audit_action_register("case.material_upload", "提交申请材料", summarize=lambda s, n: (
    f"办件 {s.get('number', '—')}：{s.get('material', '材料')}" + ("（核验纸质原件）" if s.get("paper") else "")))
audit_action_register("case.material_open", "查看申请材料", summarize=lambda s, n: (
    f"办件 {s.get('number', '—')}：{s.get('material', '材料')}"))
audit_action_register("case.material_licence", "以电子证照代替材料")
audit_action_register("case.assign", "分派办件")
audit_action_register("case.result_issue", "出具办理结果", summarize=lambda s, n: (
    f"办件 {s.get('number', '—')}，证照编号 {s.get('licence_number', '—')}"))
audit_action_register("case.warning", "办理时限预警", summarize=lambda s, n: (
    f"办件 {s.get('number', '—')}，{'红色' if s.get('level') == 'red' else '黄色'}预警，期限 {s.get('due', '—')}"))
audit_action_register("case.deadline_recompute", "重算办理期限")
audit_action_register("case.bundle_submit", "提交“一件事”联办申请")
audit_action_register("case.bundle_complete", "“一件事”联办办结")
audit_action_register("case.rating", "好差评", summarize=lambda s, n: (
    f"办件 {s.get('number', '—')}，评价 {s.get('level', '—')} 级"))
audit_action_register("case.follow_up_answer", "差评整改反馈")
audit_prefix_register("kiosk.", "自助终端")
audit_action_register("kiosk.sign_in", "自助终端登录")
audit_action_register("kiosk.sign_in_failed", "自助终端登录失败")
audit_action_register("kiosk.sign_out", "自助终端退出")
audit_action_register("case.exchange_export", "导出办件信息（数据交换）", summarize=lambda s, n: (
    f"{s.get('from', '')[:10]} 至 {s.get('to', '')[:10]}（{'按办结时间' if s.get('by') == 'closed' else '按更新时间'}，"
    f"{s.get('format', '')}）"))
