"""A fake HTTP receiver on 127.0.0.1 (webhooks, group robots) and Celery run in-process."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crm.celery import app as celery_app


@dataclass
class Received:
    path: str
    headers: object  # case-insensitive, as HTTP headers are
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class FakeServer:
    url: str
    requests: list[Received] = field(default_factory=list)
    # Answers to give, in order (status, JSON body); the last one repeats.
    answers: list[tuple[int, dict]] = field(default_factory=lambda: [(200, {"errcode": 0, "errmsg": "ok"})])

    def answer(self) -> tuple[int, dict]:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


@pytest.fixture
def fake_server(settings):
    """The receiver listens on loopback, which outgoing calls may reach only when allowed."""
    settings.OUTGOING_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    state: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            server: FakeServer = state["server"]
            server.requests.append(Received(self.path, self.headers, body))
            status, answer = server.answer()
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["server"] = FakeServer(url=f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["server"]
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(autouse=True)
def celery_eager():
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def _fresh_endpoint_cache():
    from webhooks.dispatch import forget_endpoints

    forget_endpoints()
    yield
    forget_endpoints()
