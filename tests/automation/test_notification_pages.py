"""The bell, the notification list, reading, and the email preferences in the profile."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import EmailOptOut, Notification
from notifications.services import Draft, notify

pytestmark = pytest.mark.django_db


def make(user, n: int = 1, **fields) -> list[Notification]:
    made = []
    for _ in range(n):
        key = f"test:{user.pk}:{Notification.objects.count()}"
        defaults = {"kind": "other", "title": f"Note {key}", "url": "/"}
        made.append(notify(Draft(recipient_id=user.pk, dedup_key=key, **{**defaults, **fields})))
    return made


def test_the_bell_shows_my_unread_count_on_every_page(rep, rep_client, outsider):
    mine = make(rep, 3)
    make(outsider, 5)
    Notification.objects.filter(pk=mine[0].pk).update(read_at="2026-01-01T00:00:00Z")
    for url in (reverse("home"), reverse("notifications:list"), reverse("accounts:profile")):
        html = rep_client.get(url).content.decode()
        assert 'data-unread-count="2"' in html, url


def test_the_list_shows_only_my_notifications_with_links(rep, rep_client, outsider):
    mine = make(rep, 2, url="/opportunities/1/")
    theirs = make(outsider, 1)
    html = rep_client.get(reverse("notifications:list")).content.decode()
    assert mine[0].title in html and mine[1].title in html
    assert theirs[0].title not in html
    assert reverse("notifications:open", args=[mine[0].pk]) in html


def test_opening_a_notification_marks_it_read_and_follows_the_link(rep, rep_client):
    note = make(rep, url="/opportunities/7/")[0]
    response = rep_client.get(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302 and response.url == "/opportunities/7/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_an_outside_link_is_never_followed(rep, rep_client):
    note = make(rep, url="https://evil.example/")[0]
    response = rep_client.get(reverse("notifications:open", args=[note.pk]))
    assert response.url == reverse("notifications:list")


def test_mark_read_and_mark_all_read_touch_only_my_notifications(rep, rep_client, outsider):
    mine = make(rep, 3)
    theirs = make(outsider, 2)
    assert rep_client.post(reverse("notifications:mark_read", args=[mine[0].pk])).status_code == 302
    assert Notification.objects.unread().filter(recipient=rep).count() == 2
    rep_client.post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.unread().filter(recipient=rep).exists()
    assert Notification.objects.unread().filter(recipient=outsider).count() == 2
    assert theirs[0].read_at is None


def test_nobody_can_read_or_mark_someone_elses_notification(rep, outsider_client, leader_client):
    note = make(rep)[0]
    for client in (outsider_client, leader_client):
        assert client.post(reverse("notifications:mark_read", args=[note.pk])).status_code == 404
        assert client.get(reverse("notifications:open", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_the_unread_filter(rep, rep_client):
    read, unread = make(rep, 2)
    Notification.objects.filter(pk=read.pk).update(read_at="2026-01-01T00:00:00Z")
    html = rep_client.get(reverse("notifications:list") + "?show=unread").content.decode()
    assert unread.title in html and read.title not in html


def test_the_list_needs_the_same_queries_for_few_and_many(rep, rep_client, leader, stages):
    from .conftest import large_deal

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert rep_client.get(reverse("notifications:list")).status_code == 200
        return len(queries)

    make(rep, 2)
    few = count()
    make(rep, 40)
    # approval notifications carry their request, deal and stage
    for _ in range(3):
        large_deal(leader, stages).request_approval(stages[3], by=rep)
    many = count()
    assert few == many


def test_the_list_asks_the_same_queries_of_a_leader_with_approvals(rep, leader, leader_client, stages):
    from .conftest import large_deal

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert leader_client.get(reverse("notifications:list")).status_code == 200
        return len(queries)

    large_deal(rep, stages).request_approval(stages[3], by=rep)
    few = count()
    for _ in range(10):
        large_deal(rep, stages).request_approval(stages[3], by=rep)
    assert count() == few


def test_the_notification_list_needs_a_sign_in(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/login/" in response.url


def test_the_profile_saves_which_kinds_arrive_by_email(rep, rep_client):
    EmailOptOut.objects.create(user=rep, kind="lead_assigned")
    form = rep_client.get(reverse("accounts:profile")).content.decode()
    assert re.search(r'<input[^>]*value="stale"[^>]*checked', form)
    assert not re.search(r'<input[^>]*value="lead_assigned"[^>]*checked', form)
    kinds = [k for k in Notification.Kind.values if k not in ("stale", "follow_up_due")]
    response = rep_client.post(
        reverse("accounts:profile"),
        {"first_name": "Rita", "last_name": "", "email": "rita@example.com", "language": "en", "email_kinds": kinds},
    )
    assert response.status_code == 302
    assert set(EmailOptOut.objects.filter(user=rep).values_list("kind", flat=True)) == {"stale", "follow_up_due"}
    rep.refresh_from_db()
    assert (rep.email, rep.language) == ("rita@example.com", "en")
    rep_client.post(
        reverse("accounts:profile"),
        {"first_name": "Rita", "email": "rita@example.com", "language": "", "email_kinds": Notification.Kind.values},
    )
    assert not EmailOptOut.objects.filter(user=rep).exists()


def test_a_bad_email_address_is_refused_in_the_profile(rep, rep_client):
    response = rep_client.post(reverse("accounts:profile"), {"first_name": "Rita", "email": "nope", "language": "en"})
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    rep.refresh_from_db()
    assert rep.email == "rep_a@example.com"
