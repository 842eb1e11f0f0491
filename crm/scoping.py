"""Helpers shared by every `visible_to(user)` queryset method."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

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
