"""How the audit trail reads webhook subscriptions and redeliveries."""

from onewindow.core.audit_labels import audit_action_register, audit_keys_register, audit_prefix_register

audit_prefix_register("webhook.", "事件推送")
audit_keys_register({"url": "接收地址", "events": "事件", "event": "事件"})
audit_action_register("webhook.create", "新建事件推送订阅", summarize=lambda s, n: (
    f"{s.get('url', '')}：{'、'.join(s.get('events', []))}"))
audit_action_register("webhook.delete", "删除事件推送订阅")
audit_action_register("webhook.redeliver", "重新推送事件")
