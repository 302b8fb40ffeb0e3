"""English ``message`` of this app's error codes (see ``onewindow.core.errors_en``): returned
instead of the Chinese text when the API request prefers English. Every code the app raises
has one (``core/tests/test_errors_en.py`` enumerates them)."""

ENGLISH_MESSAGES: dict[str, str] = {
    "news_attachment_missing": "Choose an image or PDF to upload.",
    "news_attachment_not_found": "Attachment not found or withdrawn.",
    "news_attachments_too_many": "Too many attachments.",
    "news_department_not_found": "Department not found, or you may not publish for it.",
    "news_feed_exists": "The department already has this feed.",
    "news_not_approver": "Only the department's approvers may approve publishing.",
    "news_not_found": "The item does not exist or has been withdrawn.",
    "news_not_your_department": "You may only write for your own department.",
    "news_policy_not_found": "The interpreted policy does not exist or is not published.",
    "news_self_approval": "Authors may not approve their own items.",
    "news_unknown_action": "Unknown action.",
    "news_withdraw_passed": "The scheduled withdrawal time has passed: edit it first.",
    "news_wrong_state": "The item's current status does not allow this.",
}
