"""Names the core app shares with higher apps."""

# Outbox event: a year's official holiday schedule was imported or seeded; payload {"year": int}.
# Apps holding deadlines marked provisional for that year recompute them.
EVENT_CALENDAR_YEAR_IMPORTED = "calendar.year_imported"

# Audit actions.
AUDIT_CALENDAR_IMPORT = "calendar.import"
AUDIT_CALENDAR_SEED = "calendar.seed"

# The source recorded on years seeded from the chinese_calendar package.
CALENDAR_LIBRARY_SOURCE = "chinese_calendar"
