"""Production settings fail loudly; development runs with nothing set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "CACHE_URL"}
    }
    clean.update(env)
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='crm.settings'; django.setup(); "
        "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.LANGUAGE_CODE, s.TIME_ZONE, s.CRM_CURRENCY)"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_development_defaults_need_nothing_installed():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://", "zh-hans", "Asia/Shanghai", "CNY"]


def test_production_refuses_to_start_without_its_secret_key():
    result = load_settings(DEBUG="false", ALLOWED_HOSTS="crm.example.com", DATABASE_URL="postgres://u@h/db")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts_or_database():
    result = load_settings(DEBUG="false", SECRET_KEY="x" * 50, DATABASE_URL="postgres://u@h/db")
    assert result.returncode != 0 and "ALLOWED_HOSTS must be set" in result.stderr
    result = load_settings(DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="crm.example.com")
    assert result.returncode != 0 and "DATABASE_URL must be set" in result.stderr


def test_production_with_its_settings_starts_and_uses_them():
    result = load_settings(
        DEBUG="false",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="crm.example.com",
        DATABASE_URL="postgres://u@h/db",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
        CACHE_URL="redis://127.0.0.1:6379/1",
        CRM_CURRENCY="USD",
        LANGUAGE_CODE="en",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "redis://127.0.0.1:6379/0",
        "en",
        "Asia/Shanghai",
        "USD",
    ]


def test_money_has_thousands_separators_in_both_languages(settings):
    from decimal import Decimal

    from django.utils import translation

    from crm.templatetags.crm import money

    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert money(Decimal("58906200")) == "¥58,906,200", language
            assert money(Decimal("1234.5"), 2) == "¥1,234.50", language
    settings.CRM_CURRENCY = "USD"
    assert money(Decimal("-1000")) == "-$1,000"
