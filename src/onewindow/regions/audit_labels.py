"""How the audit trail reads changes of the region tree and the gazetteer."""

from onewindow.core.audit_labels import audit_action_register, audit_keys_register

audit_keys_register({"renamed": "改名", "geometry_updated": "边界更新", "problems": "问题行", "ref": "来源编号",
                     "deactivated": "停用"})
audit_action_register("region.import", "导入行政区划", summarize=lambda s, n: (
    f"来源 {s.get('source', '—')}" + (f"，新建 {sum(s['created'].values())} 个区划"
                                       if isinstance(s.get("created"), dict) else "")))
audit_action_register("region.place", "更新地名地址库", summarize=lambda s, n: (
    f"{s['name']}（{s.get('source', '')}）" if s.get("name")
    else f"来源 {s.get('source', '—')}，{s.get('changed', 0)} 处"))
