"""Bad input on every form and every list parameter of the application: a year 1 or 9999, a NUL
byte, 100 KB of text, an amount past the ceiling, a choice that does not exist. Each is answered
with a message, never an HTTP 500, and changes nothing.

The forms are found the way a user finds them: every page of the application (each URL pattern
has an entry below, so a new page cannot be forgotten) is opened as the users who see its
forms, and every form on it is filled in validly and then sent with one field spoiled.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import User
from customers.models import Contact, Customer
from leads.models import Lead, LeadEvent
from notifications.models import EmailOptOut, Notification
from opportunities.models import Activity, ApprovalRequest, Objection, Opportunity, StageChange
from tests.conftest import client_for
from tests.factories import ContactFactory, CustomerFactory, LeadFactory, OpportunityFactory

from .pages import PageForm, forms_on

pytestmark = pytest.mark.django_db

NUL = "Acme\x00Corp"
LONG = "x" * 100_000
PAYLOADS = {
    "text": [NUL, LONG],
    "textarea": [NUL, LONG],
    "email": [NUL, "a@" + "b" * 100_000 + ".com"],
    "date": ["0001-01-01", "9999-12-31"],
    "datetime-local": ["0001-01-01T00:00", "9999-12-31T23:59"],
    "month": ["9999-12", "0001-01"],
    "number": ["20000000000", "1e400", "99999999999999999999999"],
    "select": [NUL, "99999999999999999999999"],
}


@pytest.fixture
def world(rep, teammate, leader, admin_user, stages):
    """A deal in each state a form appears in, a lead of each kind, a pending approval."""
    customer = CustomerFactory(owner=rep, name="Acme Ltd")
    deal = OpportunityFactory(owner=rep, customer=customer, name="ERP rollout")
    ContactFactory(customer=customer)
    deal.contacts.add(ContactFactory(customer=customer))
    Objection.objects.create(opportunity=deal, kind="price", description="Too dear")
    won = OpportunityFactory(owner=rep, customer=customer, stage=stages[4], name="Year 1")
    big = OpportunityFactory(owner=rep, customer=customer, stage=stages[2], amount=Decimal("2000000"))
    big.need_description = "ERP"
    big.save()
    big.contacts.add(ContactFactory(customer=customer, buying_role=Contact.BuyingRole.DECISION_MAKER))
    pending = OpportunityFactory(owner=rep, customer=customer, stage=stages[2], amount=Decimal("3000000"))
    pending.need_description = "CRM"
    pending.save()
    pending.contacts.add(ContactFactory(customer=customer, buying_role=Contact.BuyingRole.DECISION_MAKER))
    approval = pending.request_approval(stages[3], by=rep, note="Please")
    lead = LeadFactory(owner=rep)
    qualified = LeadFactory(owner=rep, qualified=True)
    return {
        "deal": deal,
        "won": won,
        "big": big,
        "pending": pending,
        "approval": approval,
        "lead": lead,
        "qualified": qualified,
        "customer": customer,
    }


def pages(world) -> dict[str, list[str]]:
    """Every URL pattern of the application (not the admin) with the concrete pages it stands
    for; patterns that only take POSTs list the pages whose forms post to them."""
    d, w, lead, q = world["deal"], world["won"], world["lead"], world["qualified"]
    contact = d.contacts.first()
    objection = d.objections.first()
    return {
        "home": ["/"],
        "login": ["/login/"],
        "logout": [],  # the sign-out button: no field
        "set_language": [],  # the language menu: Django's view, no field of ours
        "leads:list": ["/leads/"],
        "leads:new": [reverse("leads:new")],
        "leads:detail": [lead.get_absolute_url()],
        "leads:edit": [reverse("leads:edit", args=[lead.pk])],
        "leads:log_follow_up": [lead.get_absolute_url()],
        "leads:convert": [reverse("leads:convert", args=[q.pk])],
        "leads:convert_as_won": [lead.get_absolute_url()],
        "leads:disqualify": [lead.get_absolute_url()],
        "opportunities:list": ["/opportunities/"],
        "opportunities:export": [],  # GET parameters, below
        "opportunities:board": ["/opportunities/board/"],
        "opportunities:new_for_customer": [reverse("opportunities:new_for_customer", args=[d.customer_id])],
        "opportunities:detail": [d.get_absolute_url(), w.get_absolute_url(), world["big"].get_absolute_url()],
        "opportunities:edit": [reverse("opportunities:edit", args=[d.pk])],
        "opportunities:move": [reverse("opportunities:move", args=[d.pk])],
        "opportunities:log_follow_up": [d.get_absolute_url()],
        "opportunities:add_objection": [d.get_absolute_url()],
        "opportunities:resolve_objection": [d.get_absolute_url()] if objection else [],
        "opportunities:add_contact": [d.get_absolute_url()],
        "opportunities:update_contact": [d.get_absolute_url()] if contact else [],
        "opportunities:follow_on": [w.get_absolute_url()],
        "customers:list": ["/customers/"],
        "customers:detail": [world["customer"].get_absolute_url()],
        "reports:overview": ["/reports/"],
        "reports:funnel": ["/reports/funnel/"],
        "reports:forecast": ["/reports/forecast/"],
        "reports:conversion": ["/reports/conversion/"],
        "reports:winloss": ["/reports/winloss/"],
        "reports:team": ["/reports/team/"],
        "reports:quality": ["/reports/quality/"],
        "notifications:list": ["/notifications/"],
        "notifications:open": [],  # a link, no field
        "notifications:mark_read": [],  # a button, no field
        "notifications:mark_all_read": [],  # a button, no field
        "notifications:decide_approval": ["/notifications/", world["pending"].get_absolute_url()],
        "notifications:withdraw_approval": [],  # a button, no field
        "notifications:request_approval": [world["big"].get_absolute_url()],
        "intake:form": [reverse("intake:form")],
        "intake:thanks": [reverse("intake:thanks")],
        "intake:submit": [],  # the same form as JSON or form data, tested in the intake tests
        "accounts:profile": [reverse("accounts:profile")],
    }


def url_names(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            space = f"{entry.namespace}:" if entry.namespace else ""
            names |= url_names(entry, prefix + space)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(prefix + entry.name)
    return names


def test_every_page_of_the_application_is_in_the_bad_input_sweep(world):
    assert url_names() == set(pages(world))


def snapshot() -> dict:
    """The records a form could change, field by field."""
    models = [Opportunity, Lead, Customer, Contact, Activity, Objection, ApprovalRequest, StageChange]
    state = {m.__name__: list(m.objects.order_by("pk").values()) for m in models}
    state["User"] = list(User.objects.order_by("pk").values("pk", "first_name", "last_name", "email", "language"))
    state["EmailOptOut"] = list(EmailOptOut.objects.order_by("pk").values())
    state["LeadEvent"] = list(LeadEvent.objects.order_by("pk").values())
    state["Notification"] = list(Notification.objects.order_by("pk").values("pk", "read_at"))
    return state


def valid_value(kind: str, value: str) -> str:
    """What a user would type into an empty field so that the form is acceptable."""
    if value:
        return value
    now = timezone.localtime() - timedelta(hours=1)
    return {
        "text": "Valid text",
        "textarea": "Valid text",
        "email": "someone@example.com",
        "date": now.strftime("%Y-%m-%d"),
        "datetime-local": now.strftime("%Y-%m-%dT%H:%M"),
        "month": now.strftime("%Y-%m"),
        "number": "1000",
    }.get(kind, value)


def filled(form: PageForm) -> dict[str, str]:
    data = dict(form.fields)
    for name, kind in form.kinds.items():
        if kind in PAYLOADS and kind != "select" and name != "website":  # the intake's honeypot stays empty
            data[name] = valid_value(kind, data.get(name, ""))
    return data


def user_fields(form: PageForm) -> list[tuple[str, str]]:
    return [(name, kind) for name, kind in form.kinds.items() if kind in PAYLOADS and name != "website"]


FORM_PAGES = {
    "lead form": lambda w: reverse("leads:new"),
    "lead edit": lambda w: reverse("leads:edit", args=[w["lead"].pk]),
    "lead page": lambda w: w["lead"].get_absolute_url(),
    "conversion": lambda w: reverse("leads:convert", args=[w["qualified"].pk]),
    "deal page": lambda w: w["deal"].get_absolute_url(),
    "won deal page": lambda w: w["won"].get_absolute_url(),
    "large deal page": lambda w: w["big"].get_absolute_url(),
    "deal awaiting approval": lambda w: w["pending"].get_absolute_url(),
    "deal edit": lambda w: reverse("opportunities:edit", args=[w["deal"].pk]),
    "new deal": lambda w: reverse("opportunities:new_for_customer", args=[w["customer"].pk]),
    "stage move": lambda w: reverse("opportunities:move", args=[w["deal"].pk]),
    "notifications": lambda w: reverse("notifications:list"),
    "profile": lambda w: reverse("accounts:profile"),
    "website form": lambda w: reverse("intake:form"),
}


def test_the_sweep_opens_every_page_that_has_a_form(world):
    swept = {f(world) for f in FORM_PAGES.values()}
    assert {url for urls in pages(world).values() for url in urls} - swept <= {
        "/",
        "/login/",
        "/leads/",
        "/opportunities/",
        "/customers/",
        world["customer"].get_absolute_url(),
        "/reports/",
        "/reports/funnel/",
        "/reports/forecast/",
        "/reports/conversion/",
        "/reports/winloss/",
        "/reports/team/",
        "/reports/quality/",
        reverse("intake:thanks"),
        reverse("opportunities:board"),  # moves by drag or menu: no typed field
    }  # the others have search filters only: see the GET parameter test


# Pages with a form only the team leader sees (the approval decision); the rest are the rep's.
LEADER_PAGES = {"deal awaiting approval", "notifications"}


@pytest.mark.parametrize("form_page", FORM_PAGES)
def test_every_form_refuses_a_spoiled_field_with_a_message_and_changes_nothing(form_page, world, rep, leader, settings):
    settings.INTAKE_RATE_LIMIT = 10_000
    url = FORM_PAGES[form_page](world)
    if url.startswith("/intake/"):
        users = {"anonymous": Client(REMOTE_ADDR="203.0.113.9")}
    else:
        users = {"leader": client_for(leader)} if form_page in LEADER_PAGES else {"rep": client_for(rep)}
    problems, tried = [], 0
    for who, client in users.items():
        response = client.get(url)
        assert response.status_code == 200
        for form in forms_on(response.content.decode(), url):
            if form.method != "post" or form.action.startswith(("/logout", "/i18n")):
                continue
            for name, kind in user_fields(form):
                for payload in PAYLOADS[kind]:
                    data = filled(form)
                    data[name] = payload
                    before = snapshot()
                    answer = client.post(form.action, data)
                    tried += 1
                    spoiled = f"{who} {form.action} {name}={payload[:12]!r}"
                    if answer.status_code >= 500:
                        problems.append(f"{spoiled}: HTTP {answer.status_code}")
                    elif snapshot() != before:
                        problems.append(f"{spoiled}: the record changed")
    assert problems == []
    assert tried


GET_PAYLOADS = [NUL, LONG, "9999-12", "0001-01-01", "99999999999999999999999", "1e400"]
GET_PAGES = [
    ("opportunities:list", ["q", "status", "stage", "owner", "team", "close_month", "amount_min", "amount_max", "urgency", "customer_type", "industry", "value_tier", "stale", "overdue", "sort", "page"]),
    ("opportunities:export", ["q", "status", "stage", "owner", "team", "close_month", "amount_min", "amount_max", "sort"]),
    ("opportunities:board", ["q", "owner", "team", "close_month", "amount_min", "amount_max", "urgency", "stale"]),
    ("leads:list", ["q", "status", "source", "owner", "score_min", "score_max", "created_after", "created_before", "sort", "page"]),
    ("customers:list", ["q", "customer_type", "industry", "region", "value_tier", "page"]),
    ("notifications:list", ["show", "page"]),
    ("home", ["scope"]),
    ("reports:overview", ["period", "team", "rep", "customer_type", "industry", "source", "csv"]),
    ("reports:funnel", ["period", "team", "rep", "csv"]),
    ("reports:forecast", ["team", "rep", "csv"]),
    ("reports:conversion", ["period", "rep", "csv"]),
    ("reports:winloss", ["period", "source", "csv"]),
    ("reports:team", ["period", "team", "csv"]),
    ("reports:quality", ["period", "multiple", "csv"]),
]  # fmt: skip


@pytest.mark.parametrize("name, params", GET_PAGES, ids=[name for name, _ in GET_PAGES])
def test_no_list_or_report_parameter_makes_a_page_fail(name, params, world, leader, admin_user):
    problems = []
    for client in (client_for(admin_user),):
        for param in params:
            for value in GET_PAYLOADS:
                response = client.get(reverse(name), {param: value})
                if response.status_code >= 500:
                    problems.append(f"{name}?{param}={value[:20]!r}: HTTP {response.status_code}")
                elif response.streaming:
                    b"".join(response.streaming_content)
    assert problems == []


@pytest.mark.parametrize("list_page", ["opportunities:list", "opportunities:board"])
def test_a_close_month_out_of_range_is_a_message_at_the_field(list_page, rep_client):
    response = rep_client.get(reverse(list_page), {"close_month": "9999-12"})
    assert response.status_code == 200
    assert "Enter a month as YYYY-MM between 1900-01 and 2200-12." in response.content.decode()


def test_a_follow_up_in_year_one_is_refused_at_its_field(world, rep_client):
    deal = world["deal"]
    response = rep_client.post(
        reverse("opportunities:log_follow_up", args=[deal.pk]),
        {
            "kind": "call",
            "summary": "Called",
            "occurred_at": "0001-01-01T00:00",
            "next_follow_up_at": "9999-12-31T23:59",
        },
    )
    form = response.context["follow_up_form"]
    assert form.errors["occurred_at"] == ["Enter a date between 1900 and 2200."]
    assert form.errors["next_follow_up_at"] == ["Enter a date between 1900 and 2200."]
    assert not Activity.objects.filter(opportunity=deal).exists()


def test_an_amount_past_the_admins_ceiling_is_refused_and_the_ceiling_is_the_admins_to_set(world, rep_client):
    from crm.models import InputLimits

    deal = world["deal"]
    url = reverse("opportunities:edit", args=[deal.pk])
    data = {"name": deal.name, "owner": deal.owner_id, "amount": "10000000001", "value_tier": "medium",
            "urgency": "normal", "buying_stage": "awareness", "version": deal.version}  # fmt: skip
    response = rep_client.post(url, data)
    assert response.context["form"].errors["amount"] == ["Enter an amount of at most 10,000,000,000."]
    InputLimits.objects.create(max_amount=Decimal("500000"))
    response = rep_client.post(url, {**data, "amount": "600000"})
    assert response.context["form"].errors["amount"] == ["Enter an amount of at most 500,000."]
    deal.refresh_from_db()
    assert deal.amount == Decimal("100000") and deal.version == 1


@pytest.mark.parametrize(
    "action, field",
    [("approve", "comment"), ("reject", "comment")],
)
def test_a_nul_byte_in_an_approval_decision_is_refused_with_a_message(action, field, world, leader_client):
    approval = world["approval"]
    response = leader_client.post(
        reverse("notifications:decide_approval", args=[approval.pk]), {"decision": action, field: NUL}, follow=True
    )
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    approval.refresh_from_db()
    assert approval.is_pending


def test_a_nul_byte_in_a_conversion_name_or_objection_response_is_refused(world, rep_client):
    qualified, deal = world["qualified"], world["deal"]
    response = rep_client.post(reverse("leads:convert", args=[qualified.pk]), {"name": NUL})
    assert response.status_code == 400 and "Null characters are not allowed." in response.content.decode()
    qualified.refresh_from_db()
    assert qualified.is_open
    objection = deal.objections.get()
    response = rep_client.post(
        reverse("opportunities:resolve_objection", args=[deal.pk, objection.pk]), {"response": NUL}, follow=True
    )
    assert "Null characters are not allowed." in response.content.decode()
    objection.refresh_from_db()
    assert not objection.is_resolved
