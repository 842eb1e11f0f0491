"""Email goes out only after commit, at most once per notification, as the user chose."""

from __future__ import annotations

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction

from notifications import emails
from notifications.models import EmailOptOut, Notification
from notifications.services import Draft, notify
from notifications.tasks import send_notification_emails

from .conftest import idle_deal

pytestmark = pytest.mark.django_db


def draft(user, key="k1", kind="stale"):
    return Draft(recipient_id=user.pk, kind=kind, dedup_key=key, title="Stale deal: ERP", url="/opportunities/1/")


class Boom(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_notification_made_in_a_transaction_that_rolls_back_is_never_emailed(rep, mailoutbox):
    with pytest.raises(Boom), transaction.atomic():
        notify(draft(rep))
        raise Boom
    assert not Notification.objects.exists()
    assert mailoutbox == []
    with transaction.atomic():
        notify(draft(rep))
        assert mailoutbox == []  # not before the commit
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_scan_inside_a_rolled_back_transaction_enqueues_nothing(rep, stages, mailoutbox):
    from opportunities.reminders import scan_stale

    idle_deal(rep, days=9, stage=stages[1])
    with pytest.raises(Boom), transaction.atomic():
        assert scan_stale().created == 1
        raise Boom
    assert mailoutbox == [] and not Notification.objects.exists()


def test_the_same_notification_is_never_emailed_twice(rep, mailoutbox):
    note = Notification.objects.create(recipient=rep, kind="stale", title="Stale deal: ERP", dedup_key="x")
    send_notification_emails.delay([note.pk])
    send_notification_emails.delay([note.pk, note.pk])
    assert len(mailoutbox) == 1
    note.refresh_from_db()
    assert note.emailed_at is not None
    assert mailoutbox[0].to == [rep.email] and "Stale deal: ERP" in mailoutbox[0].subject
    assert "/opportunities/" not in mailoutbox[0].body  # no link stored on this one


def test_an_opted_out_kind_stays_in_app_only(rep, mailoutbox):
    EmailOptOut.objects.create(user=rep, kind="stale")
    stale = Notification.objects.create(recipient=rep, kind="stale", title="Stale", dedup_key="a")
    due = Notification.objects.create(recipient=rep, kind="follow_up_due", title="Due", dedup_key="b")
    send_notification_emails.delay([stale.pk, due.pk])
    assert [m.subject for m in mailoutbox] == ["[Sales CRM] Due"]
    stale.refresh_from_db()
    assert stale.emailed_at is None


def test_a_user_without_an_address_gets_no_email(rep, mailoutbox):
    rep.email = ""
    rep.save()
    note = Notification.objects.create(recipient=rep, kind="stale", title="Stale", dedup_key="a")
    assert emails.send_notification_email(note.pk) is False
    assert mailoutbox == []


class FlakyBackend(EmailBackend):
    failures_left = 1

    def send_messages(self, messages):
        if FlakyBackend.failures_left:
            FlakyBackend.failures_left -= 1
            raise OSError("SMTP down")
        return super().send_messages(messages)


def test_a_failed_send_is_released_and_the_retry_sends_it_once(rep, settings, mailoutbox):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.failures_left = 1
    note = Notification.objects.create(recipient=rep, kind="stale", title="Stale", dedup_key="a")
    sent, failed = emails.send_notification_emails([note.pk])
    assert (sent, failed) == ([], [note.pk])
    note.refresh_from_db()
    assert note.emailed_at is None
    sent, failed = emails.send_notification_emails([note.pk])
    assert (sent, failed) == ([note.pk], [])
    emails.send_notification_emails([note.pk])
    assert len(mailoutbox) == 1


def test_email_is_rendered_in_the_recipients_language(rep, mailoutbox, settings):
    settings.CRM_BASE_URL = "https://crm.example.com"
    rep.language = "zh-hans"
    rep.save()
    note = Notification.objects.create(
        recipient=rep, kind="stale", title="停滞商机：ERP", url="/opportunities/3/", dedup_key="a"
    )
    emails.send_notification_email(note.pk)
    message = mailoutbox[0]
    assert message.subject == "[销售 CRM] 停滞商机：ERP"
    assert "https://crm.example.com/opportunities/3/" in message.body
    assert "您好" in message.body


def test_an_email_subject_keeps_the_deal_name_as_written(rep, mailoutbox):
    note = Notification.objects.create(recipient=rep, kind="stale", title="Stale deal: O'Brien & Co", dedup_key="amp")
    emails.send_notification_emails([note.pk])
    assert mailoutbox[0].subject == "[Sales CRM] Stale deal: O'Brien & Co"
