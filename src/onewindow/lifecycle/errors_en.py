"""English ``message`` of this app's error codes (see ``onewindow.core.errors_en``): returned
instead of the Chinese text when the API request prefers English. Every code the app raises
has one (``core/tests/test_errors_en.py`` enumerates them)."""

ENGLISH_MESSAGES: dict[str, str] = {
    "lifecycle_bad_graph": "The industry map is not valid.",
    "lifecycle_map_exists": "The enterprise already has this industry map.",
    "lifecycle_map_not_found": "Enterprise map not found.",
    "lifecycle_not_manager": "Only leaders, supervisors or administrators may assign a service officer.",
    "lifecycle_not_officer": "Only the service officer or related staff may record this.",
}
