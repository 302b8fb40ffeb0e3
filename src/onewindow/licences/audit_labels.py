"""How the audit trail reads the e-licence library's actions."""

from onewindow.core.audit_labels import audit_action_register, audit_prefix_register

audit_prefix_register("licence.", "电子证照")
audit_action_register("licence.issue", "签发电子证照", summarize=lambda s, n: (
    f"证照编号 {s.get('number', '—')}，持证人 {s.get('holder', '—')}"))
audit_action_register("licence.import", "导入电子证照", summarize=lambda s, n: (
    f"批量导入 {s['batch']} 份" if "batch" in s else ""))
audit_action_register("licence.revoke", "注销电子证照")
audit_action_register("licence.lookup", "查询电子证照")
audit_action_register("licence.use", "办件中调用电子证照", summarize=lambda s, n: (
    f"办件 {s.get('case_ref', '—')}：{s.get('purpose', '')}"))
audit_action_register("licence.expire", "电子证照到期")
audit_action_register("licence.view", "查看电子证照")
