"""The client's address as our own proxies report it (rate limits, audit)."""

from __future__ import annotations

import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address of whoever sent the request, never one the client can choose.

    With TRUSTED_PROXY_HOPS = n, our n proxies each appended one address to X-Forwarded-For, so
    the client is the n-th entry from the right end; entries further left are the client's own
    words. A request carrying fewer entries did not come through our proxies: its direct peer
    (REMOTE_ADDR) is the only address we know.
    """
    hops = int(getattr(settings, "TRUSTED_PROXY_HOPS", 0))
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < hops:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-hops]))
    except ValueError:  # not an address: not written by our proxies
        return remote


def over_limit(scope: str, who: str, limit: int, window: int) -> bool:
    """Count one more attempt by `who` at `scope` in the shared cache (so every web process
    counts together); True once there are more than `limit` in the current `window` seconds."""
    key = f"{scope}:{who}:{int(time.time() // window)}"
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count > limit
