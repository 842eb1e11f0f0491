"""The demo shows every kind of automation on first start."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from notifications.models import Notification
from opportunities.models import ApprovalRequest

pytestmark = pytest.mark.django_db


def test_seed_demo_leaves_every_kind_of_notification_and_a_pending_approval(mailoutbox):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {"stale", "stale_escalation", "follow_up_due", "approval_requested", "lead_assigned"} <= kinds
    pending = ApprovalRequest.objects.get(status="pending")
    assert Notification.objects.filter(approval_request=pending, recipient__username="leader1").exists()
    assert Notification.objects.filter(recipient__username="rep1", kind="stale").exists()
    assert "reminders sent" in out.getvalue()
