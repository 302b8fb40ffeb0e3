"""Settings for the gunicorn workers started by bench_cases.py: the platform's settings with the
progress query's rate limit lifted (wrk sends thousands of queries from one address)."""

from config.settings import *  # noqa: F403

ONEWINDOW_PROGRESS_QUERY_RATE = 10**9
