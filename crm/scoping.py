"""Helpers shared by every `visible_to(user)` queryset method."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from accounts.models import User


def owner_scope(user: User, field: str = "owner") -> Q | None:
    """A Q restricting `field` to the users `user` may see; None means no restriction (admin).

    Raises nothing: an anonymous or inactive user gets a Q that matches no row.
    """
    from accounts.models import visible_owner_ids

    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_admin:
        return None
    return Q(**{f"{field}__in": visible_owner_ids(user)})


def scoped(qs: QuerySet, user: User, field: str = "owner") -> QuerySet:
    q = owner_scope(user, field)
    return qs if q is None else qs.filter(q)


# What a request has already worked out about its user's scope (the ids they may see), so the
# many scoped queries of one page share one small query. Outside a request nothing is kept.
_request_memo: ContextVar[dict | None] = ContextVar("request_memo", default=None)


def request_memo(key: tuple, compute: Callable[[], Any]) -> Any:
    """`compute()`, once per `key` for the current request (every time outside a request)."""
    memo = _request_memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def remember(key: tuple, value: Any) -> None:
    """Keep `value` for `key` for the rest of the current request (nothing outside a request)."""
    memo = _request_memo.get()
    if memo is not None:
        memo[key] = value


def forget_request_memo(**_kwargs) -> None:
    """Drop what the current request remembered (a user or a team changed during it)."""
    memo = _request_memo.get()
    if memo:
        memo.clear()


class RequestMemoMiddleware:
    """Gives each request its own `request_memo`, dropped when the response is returned."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_memo.set({})
        try:
            return self.get_response(request)
        finally:
            _request_memo.reset(token)
