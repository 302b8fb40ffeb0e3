"""gunicorn settings of OneWindow, read by every gunicorn started in this folder (``manage.py
serve`` starts it here). Command-line options (bind, workers, worker class) override these."""

# The request line may be longer than the longest address the platform answers
# (ONEWINDOW_MAX_URI_LENGTH, 4096): a longer address then reaches Django, which answers a
# Chinese 414 page instead of gunicorn's English one. 8190 is gunicorn's maximum.
limit_request_line = 8190

# ID and mobile numbers in addresses (a search typed into a form that uses GET) are masked in
# the access and error logs with the same filter as the application's log lines.
logger_class = "onewindow.core.accesslog.MaskingGunicornLogger"


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Load the search index, the classifier and the gazetteer before the worker serves its
    first request (see onewindow.core.warmup); gunicorn calls this for sync, threaded and
    ASGI (uvicorn) workers alike, after the application is loaded."""
    from onewindow.core.warmup import warmup

    warmup(notify=getattr(worker, "notify", None))
