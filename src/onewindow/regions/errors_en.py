"""English ``message`` of this app's error codes (see ``onewindow.core.errors_en``): returned
instead of the Chinese text when the API request prefers English. Every code the app raises
has one (``core/tests/test_errors_en.py`` enumerates them)."""

ENGLISH_MESSAGES: dict[str, str] = {
    "address_not_resolved": "No place in the gazetteer matches the address.",
    "coordinates_incomplete": "Longitude and latitude come together.",
    "csv_columns_missing": "The CSV file lacks columns.",
    "csv_district_empty": "The file has no valid rows for the district.",
    "csv_encoding": "The file's encoding is not recognised: save it as UTF-8.",
    "csv_not_found": "File not found.",
    "csv_not_text": "The file is not a text CSV.",
    "csv_required": "Give a region CSV file.",
    "csv_rows_invalid": "Some rows cannot be imported: nothing was changed.",
    "csv_too_large": "The file is too large.",
    "district_code_invalid": "The district code is not valid.",
    "place_kind_invalid": "Unknown place kind.",
    "place_name_invalid": "The place name is not valid.",
    "place_region_required": "The place needs a region.",
    "place_source_mismatch": "The place sources disagree.",
    "place_source_required": "The place source is missing.",
    "region_code_conflict": "The region code is already used by a region of another level.",
    "region_not_located": "The location is outside the platform's regions.",
}
