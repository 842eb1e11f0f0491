"""One small HTTP client for outgoing calls (webhooks, chat robots): JSON in, status and text out.

The standard library is enough for a POST with a timeout; a failure of any kind (refused,
timed out, an HTTP error status) comes back as an `HttpResult` the caller records, never raises.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass
class HttpResult:
    status: int | None
    text: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and not self.error


def post(url: str, body: bytes, headers: dict[str, str] | None = None, *, timeout: float = 10) -> HttpResult:
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json; charset=utf-8")
    request.add_header("User-Agent", "sales-crm/1.0")
    for name, value in (headers or {}).items():
        request.headers[name] = value  # as written (add_header would send "X-crm-signature")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (admin-configured URL)
            return HttpResult(response.status, response.read(4096).decode("utf-8", "replace"))
    except urllib.error.HTTPError as exc:
        text = exc.read(4096).decode("utf-8", "replace") if exc.fp else ""
        return HttpResult(exc.code, text, f"HTTP {exc.code}")
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return HttpResult(None, "", str(reason)[:500] or type(exc).__name__)
