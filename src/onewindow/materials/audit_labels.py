"""How the audit trail reads the material library's actions."""

from onewindow.core.audit_labels import audit_action_register, audit_prefix_register

audit_prefix_register("material.", "材料库")
audit_action_register("material.verify", "核验原件并存入材料库", summarize=lambda s, n: (
    f"{s.get('material', '—')}（{s.get('holder', '—')}），办件 {s.get('case_ref') or '—'}"))
audit_action_register("material.use", "材料库副本用于办件", summarize=lambda s, n: (
    f"{s.get('material', '—')} → 办件 {s.get('case_ref', '—')}；水印：{s.get('watermark', '')}"))
audit_action_register("material.download", "下载带水印副本", summarize=lambda s, n: (
    f"{s.get('material') or s.get('licence') or '—'}；水印：{s.get('watermark', '')}"))
audit_action_register("material.consent", "材料复用授权变更", summarize=lambda s, n: (
    f"{s.get('material', '—')}：{'同意复用' if s.get('allowed') else '撤回复用授权'}"))
audit_action_register("material.commit", "告知承诺", summarize=lambda s, n: (
    f"办件 {s.get('case_ref', '—')}：{'、'.join(s.get('materials', []))}"))
audit_action_register("material.postcheck_schedule", "抽取事后核查", summarize=lambda s, n: (
    f"{s.get('cases', 0)} 件中抽中 {len(s.get('drawn_cases', []))} 件"))
audit_action_register("material.postcheck_result", "登记事后核查结果", summarize=lambda s, n: (
    f"办件 {s.get('case_ref', '—')} {s.get('material', '')}："
    f"{'属实' if s.get('result') == 'passed' else '承诺不实'}"))
audit_action_register("material.credit_record", "记入信用记录", summarize=lambda s, n: (
    f"{s.get('holder', '—')}：办件 {s.get('case_ref', '—')} 承诺不实"))
