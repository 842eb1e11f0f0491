"""The benchmark measures the pages as production serves them: over HTTPS, and only answers of 200."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_bench_times_real_pages_even_where_plain_http_is_redirected(settings, tmp_path):
    settings.SECURE_SSL_REDIRECT = True  # production's default
    call_command("seed_demo", stdout=io.StringIO())
    report = tmp_path / "bench.json"
    out = io.StringIO()

    call_command(
        "bench", "--repeat", "1", "--warmup", "0", "--only", "board (admin)", "--json", str(report), stdout=out
    )

    [row] = json.loads(report.read_text())["results"]
    assert row["label"] == "board (admin)" and row["status"] == 200 and row["queries"] > 3
