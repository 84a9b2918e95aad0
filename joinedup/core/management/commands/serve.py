"""`joinedup serve`: check, then serve with gunicorn (production-shaped, also for the demo)."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from joinedup.core.gunicorn_logging import ACCESS_LOG_FORMAT


def control_socket_path(port: int) -> Path:
    """Where gunicorn's control socket (for `gunicornc`: workers, reload, shutdown) is made: in joinedup's own var/
    directory, one per port (two servers never share one), not in the home directory of whoever runs it."""
    return Path(settings.VAR_DIR) / f"gunicorn-{port}.ctl"


def metrics_directory(port: int) -> Path:
    """Where the workers of a server on this port keep their operators' metrics (prometheus_client's multiprocess
    mode; `PROMETHEUS_MULTIPROC_DIR` chooses another)."""
    chosen = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    return Path(chosen) if chosen else Path(settings.VAR_DIR) / "metrics" / str(port)


def gunicorn_argv(*, host: str, port: int, workers: int) -> list[str]:
    """The command line `joinedup serve` runs gunicorn with (tests start the same to try it)."""
    return [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"{host}:{port}", "--workers", str(workers),
        "--control-socket", str(control_socket_path(port)),
        # Server hooks: a worker that exits is marked dead in the operators' metrics (joinedup.core.metrics).
        "--config", "python:joinedup.core.gunicorn_hooks",
        # No personal data in any log line: gunicorn's log through joinedup's formatter (joinedup.core.logging).
        # joinedup logs each request's line itself, so gunicorn's access log stays off; turned on (GUNICORN_CMD_ARGS),
        # it has no query strings or Referer.
        "--access-logformat", ACCESS_LOG_FORMAT, "--logger-class", "joinedup.core.gunicorn_logging.SafeGunicornLogger",
        "--forwarded-allow-ips", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        # Request lines up to gunicorn's largest limit (8,190 bytes), so that an address too long for a page
        # (joinedup.web.views.errors.MAX_URL_CHARACTERS) is answered with joinedup's page, not gunicorn's bare "414".
        "--limit-request-line", "8190",
    ]


class Command(BaseCommand):
    help = "Run the system checks (including database durability) and serve joinedup with gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--with-worker", action="store_true",
                            help="Also run `joinedup worker` (background work and the schedule) beside the server, "
                                 "stopping with it (as `make demo` does; a deployment runs the worker as its own "
                                 "service).")

    def handle(self, *args, host, port, workers, with_worker=False, **options):
        production = settings.JOINEDUP_ENVIRONMENT == "production"
        try:
            call_command("check", deploy=production, databases=["default"], fail_level="ERROR")
        except Exception as exc:
            raise CommandError(f"refusing to serve: {exc}") from exc
        if not (settings.STATIC_ROOT / "staticfiles.json").exists():
            self.stdout.write("Collecting static files…")
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(self.style.SUCCESS(f"Serving joinedup on http://{host}:{port}/ (Ctrl-C to stop)"))
        sys.stdout.flush()
        argv = gunicorn_argv(host=host, port=port, workers=workers)
        control_socket_path(port).parent.mkdir(parents=True, exist_ok=True)
        # Operators' metrics from every worker (docs/operations.md, "Metrics"): a directory of their own, emptied
        # of a previous server's values, named to the workers before they start.
        metrics = metrics_directory(port)
        metrics.mkdir(parents=True, exist_ok=True)
        for stale in metrics.glob("*.db"):
            stale.unlink()
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
        if with_worker:  # its parent is this process, which becomes gunicorn: it stops when gunicorn does
            subprocess.Popen([sys.executable, "-m", "joinedup.cli", "worker", "--quiet", "--with-parent"])
            self.stdout.write("Background work: `joinedup worker` runs beside the server.")
            sys.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn
