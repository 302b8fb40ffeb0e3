"""Settings for the gunicorn workers started by bench_http_load.py: the platform's settings,
the ticket classifier trained by bench_tickets.py, and no progress-query rate limit."""

import os

from config.settings import *  # noqa: F403

ONEWINDOW_PROGRESS_QUERY_RATE = 10**9
if os.environ.get("BENCH_TICKETS_CLASSIFIER_DIR"):
    TICKETS_CLASSIFIER_DIR = os.environ["BENCH_TICKETS_CLASSIFIER_DIR"]
