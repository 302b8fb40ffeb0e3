"""English ``message`` of this app's error codes (see ``onewindow.core.errors_en``): returned
instead of the Chinese text when the API request prefers English. Every code the app raises
has one (``core/tests/test_errors_en.py`` enumerates them)."""

ENGLISH_MESSAGES: dict[str, str] = {
    "portal_citizens_only": "\"My centre\" is for citizens and enterprises.",
}
