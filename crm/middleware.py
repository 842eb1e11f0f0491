"""Response headers every page needs."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreForSignedInMiddleware:
    """`Cache-Control: no-store` (and friends) on everything a signed-in user is served.

    Pages and CSV exports carry customers' and deals' data: no browser cache, shared proxy or
    back button on a shared computer may keep a copy after sign-out. Static files never get here
    (WhiteNoise answers them first) and keep their long cache lifetimes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
