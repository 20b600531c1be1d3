from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gonghui.core import sms


class _Gateway(BaseHTTPRequestHandler):
    received: list[tuple[dict, str]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Gateway.received.append((body, self.headers.get("Authorization", "")))
        self.send_response(_Gateway.status)
        self.end_headers()

    def log_message(self, *args) -> None:  # noqa: ANN002
        return


@pytest.fixture
def gateway():  # noqa: ANN201
    _Gateway.received = []
    _Gateway.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/send"
    server.shutdown()


def test_the_http_gateway_backend_posts_the_message(gateway: str, settings) -> None:  # noqa: ANN001
    settings.GONGHUI_SMS_BACKEND = "gonghui.core.sms.HttpGatewayBackend"
    settings.GONGHUI_SMS_GATEWAY_URL = gateway
    settings.GONGHUI_SMS_GATEWAY_TOKEN = "relay-secret"
    sms.send("13900000001", "验证码 123456")
    assert _Gateway.received == [({"phone": "13900000001", "text": "验证码 123456"}, "Bearer relay-secret")]


def test_a_failing_gateway_is_an_error_not_silence(gateway: str, settings) -> None:  # noqa: ANN001
    settings.GONGHUI_SMS_BACKEND = "gonghui.core.sms.HttpGatewayBackend"
    settings.GONGHUI_SMS_GATEWAY_URL = gateway
    _Gateway.status = 500
    with pytest.raises(sms.SmsError):
        sms.send("13900000001", "x")


def test_the_file_backend_appends_json_lines(tmp_path, settings) -> None:  # noqa: ANN001
    settings.GONGHUI_SMS_BACKEND = "gonghui.core.sms.FileBackend"
    settings.GONGHUI_SMS_FILE = str(tmp_path / "outbox.log")
    sms.send("13900000001", "一")
    sms.send("13900000002", "二")
    lines = [json.loads(line) for line in (tmp_path / "outbox.log").read_text(encoding="utf-8").splitlines()]
    assert [(m["phone"], m["text"]) for m in lines] == [("13900000001", "一"), ("13900000002", "二")]
