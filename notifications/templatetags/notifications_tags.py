"""The bell's unread count."""

from __future__ import annotations

from django import template

from notifications.models import Notification

register = template.Library()


@register.simple_tag
def unread_notification_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.visible_to(user).unread().count()
