"""Headers every response carries (Content Security Policy, no-store for signed-in pages) and the
production settings that make `manage.py check --deploy` silent."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)


def production_env(**overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AXES_", "SECURE_", "CSP_"))}
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="crm.example.com",
        CSRF_TRUSTED_ORIGINS="https://crm.example.com",
        DATABASE_URL="sqlite:////tmp/crm-deploy-check.sqlite3",
        CACHE_URL="redis://127.0.0.1:6379/0",
        TRUSTED_PROXY_HOPS="1",
        HTTPS="true",
        DJANGO_SETTINGS_MODULE="crm.settings",
    )
    env.update(overrides)
    return env


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120)


def test_the_deploy_check_is_silent_with_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output


def test_the_deploy_check_speaks_up_when_https_is_switched_off():
    """The test above can fail: without HTTPS the same check lists what is missing."""
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(HTTPS="false"))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "security.W004" in output and "security.W008" in output


SHOW_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({k: str(getattr(s, k, None)) for k in ["
    "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', 'SESSION_COOKIE_SECURE', "
    "'CSRF_COOKIE_SECURE', 'SECURE_CSP', 'SECURE_CSP_REPORT_ONLY', 'AXES_FAILURE_LIMIT', 'AXES_COOLOFF_TIME']}))"
)


def shown_settings(env: dict) -> dict:
    result = run(["-c", SHOW_SETTINGS], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_enforces_https_and_the_policy_and_reads_the_throttle_from_the_environment():
    shown = shown_settings(production_env(AXES_FAILURE_LIMIT="4", LOGIN_LOCKOUT_MINUTES="30"))
    assert shown["SECURE_SSL_REDIRECT"] == "True"
    assert shown["SECURE_HSTS_SECONDS"] == str(365 * 24 * 3600)
    assert shown["SECURE_PROXY_SSL_HEADER"] == "('HTTP_X_FORWARDED_PROTO', 'https')"
    assert shown["SESSION_COOKIE_SECURE"] == shown["CSRF_COOKIE_SECURE"] == "True"
    assert "script-src" in shown["SECURE_CSP"] and shown["SECURE_CSP_REPORT_ONLY"] == "{}"
    assert shown["AXES_FAILURE_LIMIT"] == "4"
    assert shown["AXES_COOLOFF_TIME"] == "0:30:00"


def test_development_reports_policy_violations_without_enforcing_them():
    env = {k: v for k, v in production_env().items() if k not in ("SECRET_KEY", "HTTPS", "TRUSTED_PROXY_HOPS")}
    env["DEBUG"] = "true"
    shown = shown_settings(env)
    assert shown["SECURE_CSP"] == "{}" and "script-src" in shown["SECURE_CSP_REPORT_ONLY"]
    assert shown["SECURE_SSL_REDIRECT"] == "False" and shown["SECURE_HSTS_SECONDS"] == "0"
    assert shown["SECURE_PROXY_SSL_HEADER"] == "None"


def test_pages_carry_the_policy_with_no_inline_script_or_style_allowed(rep_client, settings):
    settings.SECURE_CSP = settings.CRM_CSP_POLICY
    settings.SECURE_CSP_REPORT_ONLY = {}
    policy = rep_client.get(reverse("home"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    for name in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in directives[name] and "'unsafe-eval'" not in directives[name]
        assert directives[name].startswith("'self'")


def test_development_sends_the_same_policy_as_report_only(rep_client):
    response = rep_client.get(reverse("home"))
    assert "Content-Security-Policy" not in response
    assert "script-src 'self'" in response["Content-Security-Policy-Report-Only"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\shx-on", re.I), "hx-on handler (needs eval)"),
]


def test_no_template_has_inline_script_or_style():
    """Inline code would need 'unsafe-inline' (or a nonce) under the policy; it belongs in static/."""
    found = []
    for path in sorted((BASE_DIR / "templates").rglob("*.html")):
        text = path.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                if "nonce=" in match.group(0):
                    continue
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(BASE_DIR)}:{line}: {what}")
    assert not found, found


def test_signed_in_pages_and_exports_are_never_stored(rep_client):
    for url in (reverse("home"), reverse("opportunities:export"), reverse("reports:overview")):
        response = rep_client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_public_pages_and_static_files_keep_their_own_caching(client):
    assert "no-store" not in client.get(reverse("intake:form")).get("Cache-Control", "")
    static = client.get(settings.STATIC_URL + "css/crm.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")


def test_every_report_download_is_never_stored(leader_client, rep, stages):
    from html import unescape

    from reports.urls import urlpatterns
    from tests.factories import OpportunityFactory

    OpportunityFactory(owner=rep, stage=stages[1])
    downloads = []
    for pattern in urlpatterns:
        page_url = reverse(f"reports:{pattern.name}")
        html = leader_client.get(page_url).content.decode()
        hrefs = re.findall(r'href="([^"]*[?&](?:amp;)?csv=[^"]+)"', html)
        downloads += [urljoin(page_url, unescape(href)) for href in hrefs]
    assert len(downloads) >= len(urlpatterns)
    for url in downloads:
        response = leader_client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/csv"), url
        assert "no-store" in response["Cache-Control"], url


def test_a_violation_report_from_the_browser_is_logged(client, caplog):
    report = {
        "csp-report": {
            "document-uri": "https://crm.example.com/reports/",
            "violated-directive": "style-src-elem",
            "blocked-uri": "inline",
            "source-file": "https://crm.example.com/static/vendor/plotly/plotly.min.js",
            "line-number": 21,
        }
    }
    with caplog.at_level(logging.WARNING, logger="crm.security"):
        response = client.post(reverse("csp_report"), json.dumps(report), content_type="application/csp-report")
    assert response.status_code == 204
    [record] = [r for r in caplog.records if r.name == "crm.security"]
    assert "style-src-elem blocked inline on https://crm.example.com/reports/" in record.getMessage()


def test_a_malformed_violation_report_is_refused_without_an_error(client, caplog):
    for body in (b"not json", b"[1, 2]", b'{"csp-report": "x"}'):
        response = client.post(reverse("csp_report"), body, content_type="application/csp-report")
        assert response.status_code == 400
    assert client.get(reverse("csp_report")).status_code == 405


def test_the_policy_tells_browsers_where_to_report(rep_client):
    assert "report-uri /csp-report/" in rep_client.get(reverse("home"))["Content-Security-Policy-Report-Only"]
