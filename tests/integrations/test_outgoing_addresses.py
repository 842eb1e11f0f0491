"""Webhooks and chat robots never reach the server's own network: an admin-entered URL (or a
redirect, or a name) that leads to loopback, private or link-local addresses is refused, unless
the deployment allows that network for an intranet receiver."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from crm.http import post
from webhooks.delivery import attempt
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db

INSIDE = "inside the server's own network"


@pytest.fixture
def redirecting_server():
    """A receiver on 127.0.0.1 that answers every request with a redirect to `target`."""
    seen: list[str] = []
    state = {"target": ""}

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            seen.append(self.path)
            self.send_response(302)
            self.send_header("Location", state["target"])
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _answer  # noqa: N815

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1], state, seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_webhook_to_a_loopback_address_is_refused_and_recorded_as_failed(fake_server, settings):
    settings.OUTGOING_ALLOWED_NETWORKS = []  # the receiver is on loopback, and nothing allows it
    endpoint = WebhookEndpoint.objects.create(name="Inside", url=f"{fake_server.url}/hook", events=["deal.won"])
    event = WebhookEvent.objects.create(event="deal.won", payload={"event": "deal.won"})
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=event)

    assert attempt(delivery.pk, final=True) == WebhookDelivery.Status.FAILED

    delivery.refresh_from_db()
    assert INSIDE in delivery.last_error and delivery.response_code is None
    assert fake_server.requests == []


@pytest.mark.parametrize("host", ["127.1", "2130706433", "0x7f000001"])
def test_a_name_that_resolves_to_loopback_is_refused_where_the_connection_is_made(fake_server, settings, host):
    """Short and numeric spellings of 127.0.0.1 are no IP literal to a form, but are resolved
    to it by the system: the address reached is checked, not the spelling."""
    settings.OUTGOING_ALLOWED_NETWORKS = []
    port = fake_server.url.rsplit(":", 1)[1]

    result = post(f"http://{host}:{port}/hook", b"{}")

    assert not result.ok and INSIDE in result.error
    assert fake_server.requests == []


def test_a_redirect_is_not_followed_anywhere(redirecting_server, fake_server, settings):
    """A POST redirected would arrive as a GET without its body; and a receiver outside could
    point it into the server's own network."""
    port, state, seen = redirecting_server
    settings.OUTGOING_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    state["target"] = f"{fake_server.url}/latest/meta-data"

    result = post(f"http://127.0.0.1:{port}/hook", b"{}")

    assert seen == ["/hook"] and fake_server.requests == []
    assert not result.ok and result.status == 302 and "redirects are not followed" in result.error


def test_a_closed_and_an_open_internal_port_answer_alike(fake_server, settings):
    """Refused before connecting: the recorded error says nothing about which ports listen."""
    settings.OUTGOING_ALLOWED_NETWORKS = []
    port = fake_server.url.rsplit(":", 1)[1]
    errors = {post(f"http://127.1:{p}/hook", b"{}").error.replace(p, "PORT") for p in (port, "9")}
    assert len(errors) == 1 and INSIDE in errors.pop()


@pytest.mark.parametrize(
    "address",
    [
        "::ffff:127.0.0.1",
        "::127.0.0.1",
        "64:ff9b::a9fe:a9fe",
        "2002:a00:1::1",
        "::ffff:0:7f00:1",
        "192.0.0.8",
        "fec0::1",
    ],
)
def test_ipv4_inside_ipv6_and_other_non_public_spellings_are_refused(address, settings):
    from crm.http import refused_address

    settings.OUTGOING_ALLOWED_NETWORKS = []
    assert refused_address(address)
    assert not refused_address("93.184.216.34") and not refused_address("2606:2800:220:1::248")


def test_a_percent_encoded_host_is_refused_in_words():
    from crm.http import url_problem

    assert "plain host name" in url_problem("https://%31%36%39.254.169.254/latest")


def test_an_allowed_intranet_network_is_reached(fake_server, settings):
    settings.OUTGOING_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    assert post(f"{fake_server.url}/hook", b"{}").ok
    assert [r.path for r in fake_server.requests] == ["/hook"]


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:8000/admin/",
        "http://127.0.0.1:6379/",
        "http://10.0.0.5/hook",
        "http://[::1]/hook",
        "http://[::ffff:192.168.1.1]/hook",
        "ftp://example.com/hook",
    ],
)
def test_the_admin_refuses_an_endpoint_inside_the_servers_own_network_in_words(admin_client_, url):
    response = admin_client_.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {"name": "Probe", "url": url, "secret": "s", "events": ["deal.won"], "is_active": "on"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "inside the server&#x27;s own network" in page or "Enter a valid URL" in page or "http or https" in page
    assert not WebhookEndpoint.objects.exists()


def test_the_admin_accepts_a_public_endpoint_and_an_allowed_intranet_one(admin_client_, settings):
    add = reverse("admin:webhooks_webhookendpoint_add")
    data = {"name": "ERP", "secret": "s", "events": ["deal.won"], "is_active": "on"}
    assert admin_client_.post(add, {**data, "url": "https://erp.example.com/hooks/crm"}).status_code == 302
    settings.OUTGOING_ALLOWED_NETWORKS = ["10.8.0.0/16"]
    assert admin_client_.post(add, {**data, "url": "http://10.8.1.20/hooks/crm"}).status_code == 302
    assert admin_client_.post(add, {**data, "url": "http://10.9.1.20/hooks/crm"}).status_code == 200
    assert WebhookEndpoint.objects.count() == 2


def test_the_admin_refuses_a_chat_robot_on_a_private_address(admin_client_, team):
    response = admin_client_.post(
        reverse("admin:notifications_chatchannel_add"),
        {
            "name": "Probe",
            "platform": "wecom",
            "webhook_url": "http://192.168.0.1/cgi-bin/webhook/send?key=x",
            "team": team.pk,
            "language": "zh-hans",
            "kinds": ["stale"],
            "is_active": "on",
        },
    )
    assert response.status_code == 200 and "inside the server&#x27;s own network" in response.content.decode()
