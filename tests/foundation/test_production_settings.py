"""Production settings for running past one process: a shared cache is required, database
connections are reused and health-checked, the proxy hops and email timings are sane."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "crm.example.com",
    "DATABASE_URL": "postgres://u@h/db",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}
OURS = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "CACHE_URL",
    "CONN_MAX_AGE",
    "CONN_HEALTH_CHECKS",
    "TRUSTED_PROXY_HOPS",
    "INTAKE_CLIENT_IP_HEADER",
    "ALLOW_LOCAL_CACHE",
    "EMAIL_TIMEOUT",
    "NOTIFICATION_EMAIL_RETRY_AFTER",
}


def settings_of(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in OURS}
    clean.update(env)
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='crm.settings'; django.setup(); "
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], s.CACHES['default']['BACKEND'].rsplit('.', 1)[-1], "
        "s.TRUSTED_PROXY_HOPS)"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_production_reuses_database_connections_with_health_checks_by_default():
    result = settings_of(**PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["60", "True", "RedisCache", "0"]
    result = settings_of(**PRODUCTION, CONN_MAX_AGE="0")
    assert result.stdout.split()[:2] == ["0", "True"]


def test_development_opens_a_connection_per_request():
    result = settings_of()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:3] == ["0", "True", "LocMemCache"]


def test_production_refuses_a_per_process_cache():
    for cache_url in (None, "locmemcache://", "dummycache://"):
        env = {k: v for k, v in PRODUCTION.items() if k != "CACHE_URL"}
        if cache_url:
            env["CACHE_URL"] = cache_url
        result = settings_of(**env)
        assert result.returncode != 0
        assert "CACHE_URL must name a cache shared by all processes" in result.stderr
    # A single-process run (the benchmark) may ask for one explicitly.
    result = settings_of(**{**PRODUCTION, "CACHE_URL": "locmemcache://", "ALLOW_LOCAL_CACHE": "true"})
    assert result.returncode == 0, result.stderr


def test_proxy_hops_are_read_and_the_older_header_setting_counts_as_one_proxy():
    assert settings_of(**PRODUCTION, TRUSTED_PROXY_HOPS="2").stdout.split()[-1] == "2"
    assert settings_of(**PRODUCTION, INTAKE_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR").stdout.split()[-1] == "1"
    result = settings_of(**PRODUCTION, TRUSTED_PROXY_HOPS="-1")
    assert result.returncode != 0 and "TRUSTED_PROXY_HOPS must be 0 or more" in result.stderr


def test_an_email_claim_must_outlast_the_smtp_timeout():
    result = settings_of(**PRODUCTION, EMAIL_TIMEOUT="60", NOTIFICATION_EMAIL_RETRY_AFTER="30")
    assert result.returncode != 0
    assert "NOTIFICATION_EMAIL_RETRY_AFTER must be longer than EMAIL_TIMEOUT" in result.stderr
