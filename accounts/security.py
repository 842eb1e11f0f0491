"""Security plumbing: the client's address behind trusted proxies, sign-in throttling (django-axes)
with the page a locked-out sign-in gets, and the endpoint browsers report CSP violations to.

Throttling rule: after `AXES_FAILURE_LIMIT` failed sign-ins for one username from one address,
that username is refused from that address for `AXES_COOLOFF_TIME`, even with the right password;
an admin unlocks it early by deleting the access attempt in admin.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from crm.network import client_address

log = logging.getLogger("crm.security")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address behind our `TRUSTED_PROXY_HOPS` proxies (one rule: `crm.network`);
    None when there is no address at all (an internal request)."""
    address = client_address(request)
    return None if address == "unknown" else address


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check for every sign-in that comes with a request.

    Programmatic `authenticate()` calls without a request (management commands, scripts) have
    no client to throttle; axes would raise on them, so they pass through to the next backend.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs
    ):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_minutes() -> int:
    cool_off = settings.AXES_COOLOFF_TIME
    if isinstance(cool_off, timedelta):
        return max(1, round(cool_off.total_seconds() / 60))
    return max(1, round(float(cool_off) * 60))


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None):
    """The sign-in page again, with the refusal in words and the status 429 (axes' lockout callable)."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    minutes = lockout_minutes()
    message = ngettext(
        "Too many failed sign-in attempts for this account from your address. Sign-in is blocked for "
        "%(minutes)d minute; try again later or ask an administrator to unlock it.",
        "Too many failed sign-in attempts for this account from your address. Sign-in is blocked for "
        "%(minutes)d minutes; try again later or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}
    log.warning("Sign-in locked out: username=%r address=%s", username, client_ip(request))
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "locked_out_message": message, "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)


CSP_REPORT_MAX_BYTES = 16 * 1024


@login_not_required
@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Where browsers report Content Security Policy violations (the policy's report-uri): logged as
    warnings so a page the policy breaks in production shows up in the logs. Anyone can post here,
    so the body is capped and only the fields that locate the violation are logged."""
    body = request.body[:CSP_REPORT_MAX_BYTES]
    try:
        report = json.loads(body or b"{}").get("csp-report", {})
    except (ValueError, UnicodeDecodeError, AttributeError):
        report = None
    if not isinstance(report, dict):
        return HttpResponse(status=400)
    log.warning(
        "CSP violation: %s blocked %s on %s (%s:%s)",
        str(report.get("violated-directive") or report.get("effective-directive", ""))[:100],
        str(report.get("blocked-uri", ""))[:300],
        str(report.get("document-uri", ""))[:300],
        str(report.get("source-file", ""))[:300],
        str(report.get("line-number", ""))[:10],
    )
    return HttpResponse(status=204)
