"""gunicorn for production: N stateless web workers; the scheduler runs as its own process."""

import multiprocessing
import os

# gunicorn is how production serves, so its refusals apply unless a run says otherwise (the load bench does).
os.environ.setdefault("TURNOUT_ENV", "production")
wsgi_app = "app:create_app()"
bind = os.environ.get("TURNOUT_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TURNOUT_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("TURNOUT_WEB_THREADS", "4"))
timeout = 60
graceful_timeout = 30
accesslog = "-"
forwarded_allow_ips = os.environ.get("TURNOUT_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker) -> None:  # type: ignore[no-untyped-def]
    """Dash's first-request setup, done before the worker's threads serve anyone."""
    from dashboards import set_up_before_serving

    set_up_before_serving(worker.wsgi)
