from __future__ import annotations

from .tracking import reset_actor, set_request_actor


class ActorMiddleware:
    """History written while serving a request is attributed to the signed-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_request_actor(lambda: getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            reset_actor(token)
