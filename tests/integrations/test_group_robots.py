"""Reminders to WeCom, DingTalk and Feishu group robots: one signed digest per channel per run."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse

import pytest
import time_machine

from notifications.bots import dingtalk_sign, feishu_sign
from notifications.models import ChatChannel, ChatDigest, Notification
from notifications.services import Draft, notify_many
from notifications.tasks import send_chat_digests

pytestmark = pytest.mark.django_db

NOW = 1_790_000_000  # a fixed clock for the signatures


def reminders(users, count=3, kind=Notification.Kind.STALE):
    drafts = []
    for user in users:
        for i in range(count):
            drafts.append(
                Draft(
                    recipient_id=user.pk,
                    kind=kind,
                    dedup_key=f"test:{kind}:{user.pk}:{i}",
                    title=f"Stale deal: Deal {user.username} {i}",
                    url=f"/opportunities/{100 + i}/",
                )
            )
    return notify_many(drafts)


def channel(team, fake_server, platform, secret="", **extra):
    paths = {
        "wecom": "/cgi-bin/webhook/send?key=K1",
        "dingtalk": "/robot/send?access_token=T1",
        "feishu": "/open-apis/bot/v2/hook/H1",
    }
    return ChatChannel.objects.create(
        name=f"{platform} channel",
        platform=platform,
        webhook_url=f"{fake_server.url}{paths[platform]}",
        secret=secret,
        team=team,
        **extra,
    )


def test_a_scan_run_posts_one_wecom_markdown_digest_for_the_team(team, rep, teammate, outsider, fake_server, settings):
    settings.CRM_BASE_URL = "https://crm.example.com"
    robot = channel(team, fake_server, "wecom", language="en")
    reminders([rep, teammate, outsider])
    send_chat_digests.delay()
    [received] = fake_server.requests
    assert received.path == "/cgi-bin/webhook/send?key=K1"
    body = received.json()
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert content.startswith("**6 CRM reminders**")  # the team's six, not the outsider's three
    assert "[Stale deal: Deal rep_a 0](https://crm.example.com/opportunities/100/)" in content
    assert "rep_b" not in content
    digest = ChatDigest.objects.get()
    assert (digest.channel, digest.item_count, digest.status, digest.response_code) == (robot, 6, "sent", 200)


def test_dingtalk_gets_a_signed_url_and_a_markdown_body(team, rep, fake_server):
    channel(team, fake_server, "dingtalk", secret="SECabc", language="en")
    reminders([rep], count=2)
    with time_machine.travel(NOW, tick=False):
        send_chat_digests.delay()
    [received] = fake_server.requests
    path, _sep, query = received.path.partition("?")
    params = urllib.parse.parse_qs(query)
    assert path == "/robot/send"
    assert params["access_token"] == ["T1"]
    timestamp = params["timestamp"][0]
    assert timestamp == str(NOW * 1000)  # milliseconds
    expected = base64.b64encode(hmac.new(b"SECabc", f"{timestamp}\nSECabc".encode(), hashlib.sha256).digest()).decode()
    assert params["sign"] == [expected]  # parse_qs undoes the URL encoding
    assert f"sign={urllib.parse.quote_plus(expected)}" in query
    body = received.json()
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "2 CRM reminders"
    assert "Stale deal: Deal rep_a 1" in body["markdown"]["text"]


def test_feishu_gets_the_timestamp_and_signature_in_a_text_body(team, rep, fake_server):
    fake_server.answers = [(200, {"code": 0, "msg": "success"})]
    channel(team, fake_server, "feishu", secret="fs-secret", language="en")
    reminders([rep], count=1)
    with time_machine.travel(NOW, tick=False):
        send_chat_digests.delay()
    [received] = fake_server.requests
    body = received.json()
    assert received.path == "/open-apis/bot/v2/hook/H1"
    assert body["timestamp"] == str(NOW)  # seconds
    expected = base64.b64encode(hmac.new(f"{NOW}\nfs-secret".encode(), b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == expected
    assert body["msg_type"] == "text"
    assert body["content"]["text"].startswith("1 CRM reminder\n")
    assert ChatDigest.objects.get().status == "sent"


def test_the_signature_helpers_match_the_platforms_formulas():
    digest = hmac.new(b"s", b"1700000000000\ns", hashlib.sha256).digest()
    assert dingtalk_sign("s", 1700000000000) == urllib.parse.quote_plus(base64.b64encode(digest).decode())
    digest = hmac.new(b"1700000000\ns", b"", hashlib.sha256).digest()
    assert feishu_sign("s", 1700000000) == base64.b64encode(digest).decode()


def test_running_again_posts_nothing_new_and_a_new_reminder_gets_its_own_digest(team, rep, fake_server):
    channel(team, fake_server, "wecom")
    reminders([rep], count=2)
    send_chat_digests.delay()
    send_chat_digests.delay()
    assert len(fake_server.requests) == 1
    notify_many(
        [Draft(recipient_id=rep.pk, kind=Notification.Kind.FOLLOW_UP_DUE, dedup_key="later", title="Follow-up due: X")]
    )
    send_chat_digests.delay()
    assert len(fake_server.requests) == 2
    assert ChatDigest.objects.count() == 2


def test_only_the_chosen_kinds_are_routed(team, rep, fake_server):
    channel(team, fake_server, "wecom", kinds=[Notification.Kind.APPROVAL_REQUESTED])
    reminders([rep], count=2)
    send_chat_digests.delay()
    assert fake_server.requests == []


def test_a_personal_channel_gets_only_its_users_reminders(team, rep, teammate, fake_server):
    ChatChannel.objects.create(
        name="Rita's DingTalk",
        platform="dingtalk",
        webhook_url=f"{fake_server.url}/robot/send?access_token=R",
        user=rep,
    )
    reminders([rep, teammate], count=1)
    send_chat_digests.delay()
    [received] = fake_server.requests
    text = received.json()["markdown"]["text"]
    assert "rep_a 0" in text and "rep_a2" not in text


def test_a_big_scan_is_one_message_listing_the_first_reminders(team, rep, fake_server, settings):
    settings.CHAT_BOT_DIGEST_ITEMS = 5
    channel(team, fake_server, "wecom", language="en")
    reminders([rep], count=40)
    send_chat_digests.delay()
    [received] = fake_server.requests
    content = received.json()["markdown"]["content"]
    assert "40 CRM reminders" in content
    assert "… and 35 more in the CRM." in content


def test_a_failing_robot_is_retried_then_marked_failed_and_the_bell_still_rings(
    team, rep, fake_server, settings, monkeypatch
):
    from crm.celery import app as celery_app

    celery_app.conf.task_eager_propagates = False  # restored by the celery_eager fixture
    settings.CHAT_BOT_RETRY_DELAYS = [1, 2]
    fake_server.answers = [(200, {"errcode": 45009, "errmsg": "api freq out of limit"})]
    channel(team, fake_server, "wecom")
    created = reminders([rep], count=2)
    send_chat_digests.delay()
    digest = ChatDigest.objects.get()
    assert len(fake_server.requests) == 3  # first try and the two retries
    assert (digest.status, digest.attempts) == ("failed", 3)
    assert "45009" in digest.last_error
    assert created == 2
    assert Notification.objects.filter(recipient=rep).count() == 2  # in-app reminders are untouched


def test_an_unreachable_robot_is_recorded_as_failed(team, rep, settings):
    from crm.celery import app as celery_app

    celery_app.conf.task_eager_propagates = False
    settings.CHAT_BOT_RETRY_DELAYS = []
    ChatChannel.objects.create(
        name="gone", platform="wecom", webhook_url="http://127.0.0.1:9/cgi-bin/webhook/send?key=x", team=rep.team
    )
    reminders([rep], count=1)
    send_chat_digests.delay()
    digest = ChatDigest.objects.get()
    assert digest.status == "failed"
    assert digest.response_code is None and digest.last_error


def test_a_new_channel_starts_from_now_not_from_the_backlog(team, rep, fake_server):
    reminders([rep], count=3)
    channel(team, fake_server, "wecom")
    send_chat_digests.delay()
    assert fake_server.requests == []


def test_the_stale_scan_posts_its_reminders_to_the_team_robot(team, rep, stages, fake_server, settings):
    from datetime import timedelta

    from django.utils import timezone

    from opportunities.tasks import send_stale_reminders
    from tests.factories import OpportunityFactory

    channel(team, fake_server, "wecom", language="en")
    OpportunityFactory(owner=rep, name="Sleepy deal", stage_entered_at=timezone.now() - timedelta(days=30))
    send_stale_reminders.delay()
    [received] = fake_server.requests
    assert "Stale deal: Sleepy deal" in received.json()["markdown"]["content"]


def test_a_digest_left_unsent_by_a_dead_worker_goes_out_with_the_next_run(team, rep, fake_server):
    from datetime import timedelta

    from django.utils import timezone

    from notifications.bots import collect_digests

    channel(team, fake_server, "wecom")
    reminders([rep], count=1)
    [digest_id] = collect_digests()  # made, then the worker died before sending it
    ChatDigest.objects.filter(pk=digest_id).update(created_at=timezone.now() - timedelta(hours=1))
    send_chat_digests.delay()
    send_chat_digests.delay()
    assert len(fake_server.requests) == 1
    assert ChatDigest.objects.get().status == "sent"
