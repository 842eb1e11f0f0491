"""Sign-in throttling: ten wrong passwords for a username from one address lock that pair out for
fifteen minutes, with the reason on the sign-in page; other people and other addresses are not
affected; the lockout is logged and an admin can lift it."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.security import client_ip
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PASSWORD = "pw-12345-secret"
LOCKED_TEXT = "Too many failed sign-in attempts"


def sign_in(client: Client, username: str, password: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def fail(client: Client, username: str, times: int, **extra):
    for _ in range(times):
        response = sign_in(client, username, "wrong-password", **extra)
    return response


def test_nine_failures_still_answer_with_the_usual_error(client, rep):
    response = fail(client, rep.username, 9)
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert LOCKED_TEXT not in response.content.decode()
    response = sign_in(client, rep.username, PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(rep.pk)


def test_after_ten_failures_even_the_right_password_is_refused_with_a_clear_message(client, rep):
    response = fail(client, rep.username, 10)
    assert response.status_code == 429
    response = sign_in(client, rep.username, PASSWORD)
    html = response.content.decode()
    assert response.status_code == 429
    assert "Sign-in is blocked for 15 minutes" in html
    assert 'id="locked-out"' in html and 'id="id_password"' in html  # the sign-in page, not a bare error
    assert SESSION_KEY not in client.session
    assert AccessAttempt.objects.get(username=rep.username).failures_since_start == 10


def test_the_lockout_page_renders_in_chinese_too(client, rep):
    fail(client, rep.username, 10)
    response = client.post(
        reverse("login"), {"username": rep.username, "password": PASSWORD}, headers={"accept-language": "zh-hans"}
    )
    assert response.status_code == 429
    assert 'lang="zh-hans"' in response.content.decode()
    assert 'id="locked-out"' in response.content.decode()


def test_the_lockout_ends_after_fifteen_minutes(client, rep):
    fail(client, rep.username, 10)
    with time_machine.travel(timezone.now() + timedelta(minutes=14), tick=False):
        assert sign_in(client, rep.username, PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        response = sign_in(client, rep.username, PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(rep.pk)


def test_attempts_during_the_lockout_do_not_extend_it(client, rep):
    fail(client, rep.username, 10)
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        fail(client, rep.username, 3)
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        assert sign_in(client, rep.username, PASSWORD).status_code == 302


def test_the_same_username_from_another_address_and_another_username_are_not_locked(client, rep, teammate):
    fail(client, rep.username, 10, REMOTE_ADDR="203.0.113.9")
    assert sign_in(Client(), rep.username, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302
    assert sign_in(Client(), teammate.username, PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 302


def test_rotating_a_spoofed_forwarded_for_does_not_escape_the_lockout(client, rep, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    for n in range(10):
        sign_in(client, rep.username, "wrong", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.9")
    response = sign_in(
        client, rep.username, PASSWORD, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.9"
    )
    assert response.status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"


def test_the_limit_and_the_lockout_length_come_from_settings(client, rep, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    response = fail(client, rep.username, 3)
    assert response.status_code == 429
    assert "Sign-in is blocked for 30 minutes" in response.content.decode()


def test_a_lockout_is_logged(client, rep, caplog):
    with caplog.at_level(logging.WARNING, logger="crm.security"):
        fail(client, rep.username, 10)
    assert any(
        r.name == "crm.security" and "locked out" in r.getMessage() and rep.username in r.getMessage()
        for r in caplog.records
    )


def test_an_admin_unlocks_a_user_by_deleting_the_access_attempt_in_admin(client, rep, admin_user):
    fail(client, rep.username, 10)
    attempt = AccessAttempt.objects.get(username=rep.username)
    admin = client_for(admin_user)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert rep.username in admin.get(changelist).content.decode()
    response = admin.post(
        changelist, {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"}, follow=True
    )
    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()
    assert sign_in(client, rep.username, PASSWORD).status_code == 302


def test_a_rep_cannot_see_or_lift_lockouts(client, rep, teammate):
    fail(client, rep.username, 10)
    response = client_for(teammate).get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 302
    assert AccessAttempt.objects.count() == 1


def test_the_admin_sign_in_is_throttled_too(client, rep):
    url = reverse("admin:login")
    for _ in range(10):
        client.post(url, {"username": rep.username, "password": "wrong"})
    response = client.post(url, {"username": rep.username, "password": PASSWORD})
    assert response.status_code == 429
    assert LOCKED_TEXT in response.content.decode()


@pytest.mark.parametrize(
    ("hops", "forwarded", "remote", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.2", "10.0.0.2"),  # no proxy: the header is the client's invention
        (1, "1.2.3.4, 203.0.113.9", "10.0.0.2", "203.0.113.9"),  # our proxy appended the real one
        (2, "1.2.3.4, 203.0.113.9, 10.0.0.3", "10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.2", "10.0.0.2"),  # fewer entries than hops: not through our proxies
        (1, "not-an-address", "10.0.0.2", "10.0.0.2"),
        (1, "", "10.0.0.2", "10.0.0.2"),
    ],
)
def test_the_client_address_is_taken_the_configured_number_of_hops_from_the_right(
    settings, hops, forwarded, remote, expected
):
    settings.TRUSTED_PROXY_HOPS = hops
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_signing_in_without_a_request_still_works_for_scripts(rep):
    from django.contrib.auth import authenticate

    assert authenticate(username=rep.username, password=PASSWORD) == rep
