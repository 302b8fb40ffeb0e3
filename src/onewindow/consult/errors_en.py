"""English ``message`` of this app's error codes (see ``onewindow.core.errors_en``): returned
instead of the Chinese text when the API request prefers English. Every code the app raises
has one (``core/tests/test_errors_en.py`` enumerates them)."""

ENGLISH_MESSAGES: dict[str, str] = {
    "consult_already_rated": "You have already rated this consultation.",
    "consult_attachment_not_found": "Attachment not found.",
    "consult_citizens_only": "Staff answer in the consultation workbench.",
    "consult_clerks_only": "Only staff may do this in a consultation.",
    "consult_closed": "This consultation has ended: start a new one for a new question.",
    "consult_department_not_found": "Department not found.",
    "consult_faq_self_approval": "Another member of staff must approve it.",
    "consult_faq_wrong_state": "This entry has already been reviewed.",
    "consult_no_department": "No department takes consultations at present.",
    "consult_no_item": "The consultation is not linked to an item.",
    "consult_not_answered": "It may be rated once answered.",
    "consult_not_department_staff": "Only the department's staff may do this.",
    "consult_not_found": "Consultation not found.",
    "consult_not_yours": "You are not a party to this consultation.",
    "consult_too_fast": "Messages are sent too fast: wait a moment.",
    "consult_transfer_failed": "The transfer to a 12345 ticket failed.",
    "consult_unknown_tool": "Unknown action.",
}
