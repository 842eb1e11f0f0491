"""The intake's rate limit holds in production: the client's address comes from our own
proxies' end of X-Forwarded-For (TRUSTED_PROXY_HOPS), never from what the client wrote, and
the count lives in the cache every web process shares."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from crm.network import client_address
from leads.models import Lead

from .test_intake import GOOD

ROOT = Path(__file__).resolve().parents[2]
BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/5")


def submit(client: Client, i: int, forwarded: str | None = None) -> int:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client.post(reverse("intake:form"), {**GOOD, "email": f"p{i}@x.example"}, **extra).status_code


@pytest.mark.django_db
def test_behind_two_proxies_the_client_is_the_second_address_from_the_right(settings):
    settings.INTAKE_RATE_LIMIT = 2
    settings.TRUSTED_PROXY_HOPS = 2  # a CDN, then our nginx
    nginx = Client(REMOTE_ADDR="10.0.0.2")
    # The client rotates what it writes at the left end; the CDN appends the real client,
    # nginx appends the CDN node.
    codes = [submit(nginx, i, f"192.0.2.{i}, 198.51.100.7, 172.16.0.1") for i in range(4)]
    assert codes == [302, 302, 429, 429]
    # Another client behind the same CDN node has its own allowance.
    assert submit(nginx, 9, "198.51.100.8, 172.16.0.1") == 302
    assert Lead.objects.count() == 3


def test_the_client_address_is_never_the_left_end_the_client_wrote(settings):
    factory = RequestFactory()
    request = factory.post("/intake/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    settings.TRUSTED_PROXY_HOPS = 0
    assert client_address(request) == "10.0.0.2"  # no proxy of ours: the header is the client's own
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_address(request) == "198.51.100.7"
    settings.TRUSTED_PROXY_HOPS = 3  # fewer entries than proxies: it did not come through them
    assert client_address(request) == "10.0.0.2"


RATE_LIMIT_RUN = """
import django, os, sys
django.setup()
from django.test import RequestFactory
from leads.intake import rate_limited
request = RequestFactory().post("/intake/", REMOTE_ADDR=sys.argv[1])
print(sum(not rate_limited(request) for _ in range(4)))
"""


def run_web_process(cache_url: str, address: str) -> int:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings", "CACHE_URL": cache_url, "INTAKE_RATE_LIMIT": "5"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", RATE_LIMIT_RUN, address], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split()[-1])


@pytest.mark.broker
def test_the_limit_holds_across_web_processes_sharing_the_redis_cache():
    import redis

    try:
        redis.Redis.from_url(BROKER_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {BROKER_URL} ({exc})")
    address = f"203.0.113.{uuid.uuid4().int % 250}-{uuid.uuid4().hex[:6]}"
    # Two processes, four submissions each from one address, limit five: five get through.
    accepted = [run_web_process(BROKER_URL, address) for _ in range(2)]
    assert sum(accepted) == 5
    # What a per-process cache would do (which is why production refuses one): eight.
    local = [run_web_process("locmemcache://", address) for _ in range(2)]
    assert sum(local) == 8
