"""How the audit trail reads changes of the service catalogue."""

from onewindow.core.audit_labels import audit_action_register, audit_keys_register, audit_prefix_register

audit_keys_register({"versioned": "新版本", "drafted": "新草稿", "unchanged": "未变", "entries": "条目",
                     "list": "清单", "forms": "表单", "items": "事项"})
audit_prefix_register("catalog.", "事项目录")
for code, label in {
    "catalog.item_create": "新建事项", "catalog.draft_create": "新建事项草稿", "catalog.draft_update": "修改事项草稿",
    "catalog.draft_discard": "删除事项草稿", "catalog.publish": "发布事项", "catalog.retire": "停用事项",
    "catalog.material_add": "增加申请材料", "catalog.material_update": "修改申请材料",
    "catalog.material_delete": "删除申请材料", "catalog.import": "导入事项目录",
    "catalog.theme_save": "保存主题或一件事",
    "catalog.list_save": "保存权责清单条目", "catalog.list_publish": "公布权责清单", "catalog.demo": "加载演示事项",
    "catalog.demo_forms": "加载演示表单",
}.items():
    audit_action_register(code, label)
