"""Two `gonghui serve` on one host each have their own gunicorn control socket (issue 21): gunicorn's default
is one per user, which the second server takes over and the first one's stop removes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from gunicorn.ctl.client import ControlClient

from gonghui.core.management.commands import serve


def test_each_server_gets_its_own_control_socket_under_its_var_directory(settings, tmp_path: Path) -> None:
    sockets = {}
    for name, port in (("a", 8001), ("a", 8002), ("b", 8001)):
        settings.VAR_DIR = tmp_path / name
        argv = serve.gunicorn_argv("gunicorn", host="127.0.0.1", port=port, workers=2)
        path = Path(argv[argv.index("--control-socket") + 1])
        assert path.parent == (tmp_path / name / "run").resolve() and path.parent.is_dir()
        assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
        sockets[name, port] = path
    assert len(set(sockets.values())) == 3


def test_a_var_directory_too_deep_for_a_socket_serves_without_one(settings, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path / ("x" * 120)
    argv = serve.gunicorn_argv("gunicorn", host="127.0.0.1", port=8001, workers=2)
    assert "--no-control-socket" in argv and "--control-socket" not in argv


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(found, seconds: float = 20):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = found()
        if result:
            return result
        time.sleep(0.1)
    return None


@contextmanager
def _serving(var_dir: Path, home: Path, port: int, settings) -> Iterator[subprocess.Popen]:  # noqa: ANN001
    """gunicorn started with the arguments `gonghui serve` gives it for this var directory, serving a one-line
    application instead of Gonghui (the arbiter, which owns the control socket, is the same; booting Django in
    the worker would only cost time)."""
    settings.VAR_DIR = var_dir
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    argv = serve.gunicorn_argv(gunicorn, host="127.0.0.1", port=port, workers=1)
    argv[argv.index("gonghui.wsgi:application")] = "hello:application"
    environ = {key: value for key, value in os.environ.items() if key not in {"XDG_RUNTIME_DIR", "PYTHONPATH"}}
    # HOME is this test's own: without the fix both servers would share $HOME/.gunicorn/gunicorn.ctl, here only.
    environ["HOME"] = str(home)
    process = subprocess.Popen(argv, env=environ, cwd=home, stdout=subprocess.DEVNULL,  # noqa: S603
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _control(var_dir: Path) -> Path | None:
    found = sorted((var_dir / "run").glob("*.ctl")) if (var_dir / "run").is_dir() else []
    return found[0] if found and found[0].is_socket() else None


def _listens_on(path: Path) -> list[str]:
    with ControlClient(str(path), timeout=5) as client:
        return [listener["address"] for listener in client.send_command("show listeners")["listeners"]]


@pytest.mark.skipif(not hasattr(__import__("gunicorn.config").config, "ControlSocket"),
                    reason="gunicorn before 25.1 has no control socket")
def test_two_servers_on_one_host_do_not_share_the_control_socket(settings) -> None:  # noqa: ANN001
    with tempfile.TemporaryDirectory(prefix="gs-") as scratch:  # short: a socket path holds ~100 bytes
        base = Path(scratch)
        (base / "home").mkdir()
        (base / "home" / "hello.py").write_text(
            "def application(environ, start_response):\n"
            "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
            "    return [b'ok']\n")
        port_a, port_b = _free_port(), _free_port()
        with _serving(base / "a", base / "home", port_a, settings) as first, \
                _serving(base / "b", base / "home", port_b, settings):
            socket_a = _wait_for(lambda: _control(base / "a"))
            socket_b = _wait_for(lambda: _control(base / "b"))
            assert socket_a is not None and socket_b is not None and socket_a != socket_b
            assert _listens_on(socket_a) == [f"http://127.0.0.1:{port_a}"]
            assert _listens_on(socket_b) == [f"http://127.0.0.1:{port_b}"]
            os.killpg(first.pid, signal.SIGTERM)  # stopping one server leaves the other's socket alone
            first.wait(timeout=15)
            assert not socket_a.exists()
            assert _listens_on(socket_b) == [f"http://127.0.0.1:{port_b}"]
