"""Sign-in protections: the client's address behind trusted proxies, login throttling (django-axes)
and the response a locked-out sign-in gets.

Throttling rule: after `AXES_FAILURE_LIMIT` failed sign-ins for one username from one address,
that username is refused from that address for `AXES_COOLOFF_TIME`, even with the right password;
an admin unlocks it early by deleting the access attempt in admin.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

log = logging.getLogger("crm.security")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as seen by the outermost of `TRUSTED_PROXY_HOPS` proxies we run.

    Each proxy appends the address it received from to X-Forwarded-For, so with N trusted hops
    the N-th entry from the right is the one our outermost proxy saw; anything further left is
    whatever the client claims and is ignored. With 0 hops (no proxy) it is the socket address.
    A header shorter than the hop count, or an entry that is not an address, did not come from
    our proxies and is ignored. None when there is no address at all (an internal request).
    """
    hops = int(getattr(settings, "TRUSTED_PROXY_HOPS", 0) or 0)
    remote = request.META.get("REMOTE_ADDR") or None
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < hops:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-hops]))
    except ValueError:
        return remote


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
