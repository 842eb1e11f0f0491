"""Email delivery is recoverable from the database alone: an email that is due and unsent (its
task was never enqueued, or its worker died holding the claim) is sent by the sweep and by the
next scan, and never twice."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from notifications import emails
from notifications.models import Notification
from notifications.services import Draft, notify
from notifications.tasks import send_unsent_emails
from opportunities.tasks import send_stale_reminders

from .conftest import idle_deal

pytestmark = pytest.mark.django_db


def lost_notification(user, key="lost") -> Notification:
    """A notification committed by a run that died before its email task reached the broker
    (in this test's transaction, the after-commit enqueue never runs)."""
    notification = notify(Draft(recipient_id=user.pk, kind="stale", dedup_key=key, title=f"Stale deal: {key}"))
    assert notification is not None
    return notification


def later(seconds: float = 0):
    """A moment past the normal path's grace period (NOTIFICATION_EMAIL_RETRY_AFTER)."""
    return time_machine.travel(timezone.now() + emails.retry_after() + timedelta(seconds=1 + seconds), tick=False)


def test_the_sweep_sends_an_email_whose_task_was_lost_exactly_once(rep, mailoutbox):
    note = lost_notification(rep)
    send_unsent_emails.delay()
    assert mailoutbox == []  # within the grace period the normal path still owns it
    with later():
        send_unsent_emails.delay()
        send_unsent_emails.delay()
    assert [m.subject for m in mailoutbox] == ["[Sales CRM] Stale deal: lost"]
    note.refresh_from_db()
    assert note.email_status == Notification.EmailStatus.SENT and note.emailed_at is not None
    assert note.email_claimed_at is None


def test_the_next_scan_sends_an_email_a_crash_left_unsent(rep, stages, mailoutbox):
    lost_notification(rep, key="from an earlier run")
    idle_deal(rep, days=9, stage=stages[1], name="Fresh ERP")
    with later():
        assert send_stale_reminders.delay().get() == 1
    assert "[Sales CRM] Stale deal: from an earlier run" in [m.subject for m in mailoutbox]


def test_a_claim_held_by_a_dead_worker_blocks_until_it_expires(rep, mailoutbox):
    note = lost_notification(rep)
    with later():
        # A worker claimed it, then was killed before sending.
        Notification.objects.filter(pk=note.pk).update(email_claimed_at=timezone.now(), email_attempts=1)
        send_unsent_emails.delay()
        assert emails.send_notification_email(note.pk) is False
        assert mailoutbox == []
    with later(emails.retry_after().total_seconds() + 1):
        send_unsent_emails.delay()
    assert len(mailoutbox) == 1
    note.refresh_from_db()
    assert note.email_attempts == 2 and note.email_status == Notification.EmailStatus.SENT


def test_every_copy_of_an_email_carries_the_same_message_id(rep, mailoutbox):
    note = lost_notification(rep)
    emails.send_notification_email(note.pk)
    assert mailoutbox[0].extra_headers["Message-ID"] == emails.message_id(note)
    assert f"notification-{note.pk}." in emails.message_id(note)


def test_a_notification_nobody_should_receive_by_email_leaves_the_sweep(rep, mailoutbox):
    rep.email = ""
    rep.save(update_fields=["email"])
    note = lost_notification(rep)
    with later():
        send_unsent_emails.delay()
        assert not emails.unsent().exists()
    note.refresh_from_db()
    assert note.email_status == Notification.EmailStatus.SKIPPED and mailoutbox == []


class RefusingBackend(EmailBackend):
    def send_messages(self, messages):
        raise OSError("550 mailbox unavailable")


def test_an_address_that_keeps_failing_is_given_up_after_the_set_attempts(rep, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    settings.NOTIFICATION_EMAIL_MAX_ATTEMPTS = 3
    note = lost_notification(rep)
    for round_ in range(5):
        with later(round_ * 2 * emails.retry_after().total_seconds()):
            send_unsent_emails.delay()
    note.refresh_from_db()
    assert note.email_attempts == 3
    assert note.email_status == Notification.EmailStatus.FAILED


def test_the_sweep_runs_from_the_beat_schedule_and_the_scans_under_their_new_names(db):
    """The data migrations: the sweep is scheduled, the deal scans keep their schedule under the
    deals' task names, the lead follow-ups get their own job."""
    PeriodicTask.objects.all().delete()
    old = importlib.import_module("notifications.migrations.0003_beat_schedule")
    old.create(apps, None)
    importlib.import_module("opportunities.migrations.0006_reminder_jobs").rename(apps, None)
    importlib.import_module("leads.migrations.0006_lead_follow_up_job").create(apps, None)
    importlib.import_module("notifications.migrations.0004_email_delivery").schedule(apps, None)
    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert tasks == {
        "opportunities.send_stale_reminders",
        "opportunities.send_follow_up_reminders",
        "leads.send_follow_up_reminders",
        "notifications.send_unsent_emails",
    }
    from crm.celery import app

    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)


def test_an_admin_sees_which_emails_are_still_to_send(rep, admin_client_):
    lost_notification(rep, key="still to send")
    response = admin_client_.get("/admin/notifications/notification/", {"email_status__exact": "pending"})
    assert response.status_code == 200
    assert "Stale deal: still to send" in response.content.decode()
    change = admin_client_.get(f"/admin/notifications/notification/{Notification.objects.get().pk}/change/")
    assert change.status_code == 200 and "To send" in change.content.decode()
