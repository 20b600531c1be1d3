"""`gonghui serve`: the production server (gunicorn, several workers), never runserver."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

# A Unix socket's path holds at most 107 bytes on Linux (sun_path is 108 with its NUL), fewer on BSDs.
SOCKET_PATH_MAX = 100


def control_socket(port: int) -> Path:
    """gunicorn's control socket (`gunicornc -s …`) for the server on this port, under this instance's var
    directory. gunicorn's default is one path per user ($XDG_RUNTIME_DIR/gunicorn.ctl): a second `gonghui serve`
    on the host would take it over, and stopping either would remove the other's."""
    return Path(settings.VAR_DIR).resolve() / "run" / f"gunicorn-{port}.ctl"


def _has_control_socket() -> bool:
    try:
        from gunicorn import config
    except ImportError:
        return False
    return hasattr(config, "ControlSocket")


def gunicorn_argv(gunicorn: str, *, host: str, port: int, workers: int) -> list[str]:
    socket = control_socket(port)
    if not _has_control_socket():
        control: list[str] = []  # gunicorn before 25.1 has none
    elif len(os.fsencode(socket)) <= SOCKET_PATH_MAX:
        socket.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        control = ["--control-socket", str(socket)]
    else:
        control = ["--no-control-socket"]
    return [
        gunicorn, "gonghui.wsgi:application",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--timeout", os.environ.get("GONGHUI_REQUEST_TIMEOUT", "60"),
        "--graceful-timeout", "20",
        "--access-logfile", "-",
        # The path without its query string and no referrer: a search by a full phone or ID number must not
        # put that number into the log.
        "--access-logformat", '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms',
        "--forwarded-allow-ips", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        *control,
    ]


class Command(BaseCommand):
    help = "Serve Gonghui with gunicorn (several worker processes)."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("GONGHUI_WORKERS", "0")) or None)
        parser.add_argument("--no-collectstatic", action="store_true", help="skip collecting static files first")
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start a background-task worker beside the server (run `gonghui worker`)")

    def handle(self, *args, host: str, port: int, workers: int | None, no_collectstatic: bool, no_worker: bool,  # noqa: ANN002
               **options) -> None:  # noqa: ANN003
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        if not no_worker:
            # One task worker beside the web processes: imports and exports run there.
            subprocess.Popen([sys.executable, "-m", "gonghui.cli", "worker"])  # noqa: S603
        workers = workers or min(8, 2 * (os.cpu_count() or 1) + 1)
        gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or shutil.which("gunicorn")
        if gunicorn is None:
            raise CommandError("gunicorn is not installed in this environment")
        argv = gunicorn_argv(gunicorn, host=host, port=port, workers=workers)
        if "--no-control-socket" in argv:
            self.stdout.write(f"Gonghui: the var directory's path is too long for gunicorn's control socket "
                              f"({settings.VAR_DIR}); serving without it.")
        self.stdout.write(f"Gonghui: http://{host}:{port}/  ({workers} workers, database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})")
        sys.stdout.flush()
        os.execv(gunicorn, argv)  # noqa: S606 - replaces this process with the server
