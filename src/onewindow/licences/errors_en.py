"""English ``message`` of this app's error codes (see ``onewindow.core.errors_en``): returned
instead of the Chinese text when the API request prefers English. Every code the app raises
has one (``core/tests/test_errors_en.py`` enumerates them)."""

ENGLISH_MESSAGES: dict[str, str] = {
    "licence_already_revoked": "The licence is already revoked.",
    "licence_case_ref_required": "Licences are used within a case: give the case number.",
    "licence_data_invalid": "The licence data is not valid.",
    "licence_dates": "The end of validity cannot be before its start.",
    "licence_holder_kind": "This licence type is not issued to this kind of holder.",
    "licence_holder_required": "Name one holder (a person or a legal person).",
    "licence_import_empty": "There is nothing to import.",
    "licence_import_file": "Choose a valid file to import.",
    "licence_import_forbidden": "You may not import licences of these types.",
    "licence_import_invalid": "The import failed and nothing was written: see the listed rows.",
    "licence_issue_forbidden": "You may not issue this licence.",
    "licence_number_taken": "This licence number already exists.",
    "licence_purpose_required": "State the purpose.",
    "licence_revoke_reason": "Give the reason for revoking.",
    "licence_revoked": "The licence is revoked and cannot be used.",
    "licence_source_ref_required": "Give the case number.",
    "licence_type_not_found": "Licence type not found.",
    "licence_use_forbidden": "Only case staff may use licences within a case.",
}
