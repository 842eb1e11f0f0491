"""Password reset by email: the sign-in page links to it, the emailed link sets a new password
once, and an unknown address gets the same answer and no email."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def ask_for_reset(client, email: str, **extra):
    return client.post(reverse("password_reset"), {"email": email}, **extra)


def test_the_sign_in_page_links_to_the_password_reset(client):
    html = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in html
    assert "Forgot your password?" in html


def test_the_emailed_link_sets_a_new_password_once(client, rep):
    response = ask_for_reset(client, rep.email)
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [rep.email]
    assert message.subject == "Reset your Sales CRM password"
    assert rep.username in message.body
    link = re.search(r"https?://testserver(/password-reset/\S+/\S+/)", message.body).group(1)

    response = client.get(link)  # Django swaps the token for a session-bound URL
    assert response.status_code == 302
    form_url = response["Location"]
    assert 'id="id_new_password1"' in client.get(form_url).content.decode()
    response = client.post(
        form_url, {"new_password1": "Fresh-Horse-42-battery", "new_password2": "Fresh-Horse-42-battery"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_complete")
    rep.refresh_from_db()
    assert rep.check_password("Fresh-Horse-42-battery")

    assert (
        client.post(reverse("login"), {"username": rep.username, "password": "Fresh-Horse-42-battery"}).status_code
        == 302
    )
    assert client.session[SESSION_KEY] == str(rep.pk)

    reused = client.get(link, follow=True)
    assert 'id="invalid-reset-link"' in reused.content.decode()


def test_mismatched_new_passwords_change_nothing(client, rep):
    ask_for_reset(client, rep.email)
    link = re.search(r"https?://testserver(/password-reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": "Fresh-Horse-42-battery", "new_password2": "other-Horse-43"})
    assert response.status_code == 200
    assert "The two password fields didn’t match." in response.content.decode()
    rep.refresh_from_db()
    assert rep.check_password("pw-12345-secret")


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, rep):
    known = ask_for_reset(client, rep.email)
    mail.outbox.clear()
    unknown = ask_for_reset(client, "nobody@example.com")
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert mail.outbox == []
    assert client.get(unknown["Location"]).content.decode().count("If an active account uses the address") == 1


def test_a_deactivated_account_gets_no_email(client, rep):
    rep.is_active = False
    rep.save(update_fields=["is_active"])
    assert ask_for_reset(client, rep.email).status_code == 302
    assert mail.outbox == []


def test_a_forged_link_is_refused(client, rep):
    response = client.get(reverse("password_reset_confirm", args=["MQ", "abc-123"]))
    assert response.status_code == 200
    assert 'id="invalid-reset-link"' in response.content.decode()


def test_the_reset_pages_render_in_chinese(client):
    for name in ("password_reset", "password_reset_done", "password_reset_complete"):
        response = client.get(reverse(name), headers={"accept-language": "zh-hans"})
        assert response.status_code == 200
        assert 'lang="zh-hans"' in response.content.decode()


@pytest.fixture
def fresh_limits():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_reset_requests_are_limited_per_address(client, rep, teammate, settings, fresh_limits):
    settings.PASSWORD_RESET_RATE_LIMIT = 3
    for _ in range(3):
        assert ask_for_reset(client, rep.email).status_code == 302
    assert len(mail.outbox) == 3

    refused = ask_for_reset(client, teammate.email)  # the same address, another mailbox
    assert refused.status_code == 429
    assert "Too many reset requests. Try again in 15 minutes." in refused.content.decode()
    assert len(mail.outbox) == 3  # nothing sent
    # From elsewhere the teammate can still ask.
    assert (
        client.post(reverse("password_reset"), {"email": teammate.email}, REMOTE_ADDR="203.0.113.9").status_code == 302
    )
    assert [m.to for m in mail.outbox[3:]] == [[teammate.email]]


def test_one_address_cannot_lock_a_user_out_and_many_cannot_flood_the_mailbox(client, rep, settings, fresh_limits):
    settings.PASSWORD_RESET_RATE_LIMIT = 3
    settings.PASSWORD_RESET_MAILBOX_LIMIT = 5
    for _ in range(10):  # refused from the fourth on, and those do not count against the mailbox
        ask_for_reset(client, rep.email)
    assert len(mail.outbox) == 3
    assert ask_for_reset(client, rep.email, REMOTE_ADDR="198.51.100.7").status_code == 302
    assert len(mail.outbox) == 4  # the user can still reset from their own address

    for n in range(10, 14):  # many addresses: the mailbox's share is five
        answer = ask_for_reset(client, rep.email.upper(), REMOTE_ADDR=f"198.51.100.{n}")
        assert answer.status_code == 302 and answer["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 5  # the usual answer, nothing more sent


def test_an_unknown_address_counts_alike_so_the_limit_tells_nothing(client, settings, fresh_limits):
    settings.PASSWORD_RESET_RATE_LIMIT = 1
    assert ask_for_reset(client, "nobody@example.com").status_code == 302
    assert ask_for_reset(client, "nobody@example.com").status_code == 429
    assert mail.outbox == []
