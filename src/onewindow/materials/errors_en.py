"""English ``message`` of this app's error codes (see ``onewindow.core.errors_en``): returned
instead of the Chinese text when the API request prefers English. Every code the app raises
has one (``core/tests/test_errors_en.py`` enumerates them)."""

ENGLISH_MESSAGES: dict[str, str] = {
    "commitment_not_found": "Commitment not found.",
    "enterprise_not_found": "Enterprise not found.",
    "licence_not_found": "Licence not found.",
    "material_expired": "The material has expired or been replaced.",
    "material_file_missing": "The material's file no longer exists: verify it again.",
    "material_holder_not_found": "Sign in with a verified account to use the material library.",
    "material_not_reusable": "The material can no longer be reused: submit it again.",
    "material_not_watermarkable": "A watermarked copy cannot be made of this file.",
    "material_purpose_required": "State the purpose.",
    "material_purpose_too_long": "The purpose is too long.",
    "material_valid_until_past": "The validity date has passed.",
    "material_verify_forbidden": "Only window or review staff may verify originals.",
    "material_verify_method_invalid": "Unknown verification method.",
    "material_watermark_failed": "The file could not be watermarked.",
    "postcheck_forbidden": "You may not record check results.",
    "postcheck_not_open": "This commitment was not drawn for checking or is already recorded.",
    "postcheck_note_required": "Enter a note.",
    "postcheck_status_invalid": "Unknown check status.",
}
