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
from api.models import ApiToken
from attachments.models import Attachment
from customers.models import Contact, Customer
from imports.models import ImportJob
from leads.models import Lead, LeadContact, LeadEvent
from notifications.models import EmailOptOut, Notification
from opportunities.models import Activity, ApprovalRequest, Objection, Opportunity, Stage, StageChange
from tests.conftest import client_for
from tests.factories import ContactFactory, CustomerFactory, LeadFactory, OpportunityFactory
from workspace.models import SavedView

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
    lead_contact = LeadContact.objects.create(lead=lead, name="Ann Buyer")
    job = ImportJob.objects.create(
        kind="leads", created_by=rep, file_name="leads.csv", content=b"Name\nAnn\n", headers=["Name"], row_count=1
    )
    return {
        "deal": deal,
        "won": won,
        "big": big,
        "pending": pending,
        "approval": approval,
        "lead": lead,
        "qualified": qualified,
        "customer": customer,
        "lead_contact": lead_contact,
        "job": job,
    }


def pages(world) -> dict[str, list[str]]:
    """Every URL pattern of the application (not the admin) with the concrete pages it stands
    for; patterns that only take POSTs list the pages whose forms post to them."""
    d, w, lead, q = world["deal"], world["won"], world["lead"], world["qualified"]
    contact = d.contacts.first()
    objection = d.objections.first()
    c = world["customer"]
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
        "opportunities:decide_approval": ["/notifications/", world["pending"].get_absolute_url()],
        "opportunities:withdraw_approval": [],  # a button, no field
        "opportunities:request_approval": [world["big"].get_absolute_url()],
        "opportunities:change_pipeline": [d.get_absolute_url()],
        "opportunities:evaluate": [d.get_absolute_url()],
        "opportunities:forecast_category": [d.get_absolute_url()],
        "opportunities:forecast_judgement": [world["pending"].get_absolute_url()],  # the leader's
        "opportunities:delete": [],  # a button, no field
        "opportunities:delete_follow_up": [],  # a button, no field
        "leads:add_contact": [lead.get_absolute_url()],
        "leads:remove_contact": [],  # a button, no field
        "leads:delete": [],  # a button, no field
        "customers:new": [reverse("customers:new")],
        "customers:edit": [reverse("customers:edit", args=[c.pk])],
        "customers:contact_new": [reverse("customers:contact_new", args=[c.pk])],
        "customers:contact_edit": [reverse("customers:contact_edit", args=[c.pk, contact.pk])],
        "customers:merge": [reverse("customers:merge", args=[c.pk])],  # the leader's
        "customers:duplicates": ["/customers/duplicates/"],
        "customers:pool": ["/customers/pool/"],
        "customers:claim": [],  # a button, no field
        "customers:release": [],  # a button, no field
        "customers:delete": [],  # a button, no field
        "customers:delete_contact": [],  # a button, no field
        "attachments:upload_to_deal": [d.get_absolute_url()],  # a file: see the attachment tests
        "attachments:upload_to_customer": [c.get_absolute_url()],
        "attachments:download": [],  # a link, no field
        "attachments:delete": [],  # a button, no field
        "recyclebin:list": ["/recycle-bin/"],
        "recyclebin:restore": [],  # a button, no field
        "workspace:search": ["/search/"],  # GET parameters, below
        "workspace:bulk_deals": ["/opportunities/"],
        "workspace:bulk_leads": ["/leads/"],
        "workspace:save_view": ["/opportunities/", "/leads/"],
        "workspace:delete_view": [],  # a button, no field
        "workspace:hand_over": [reverse("workspace:hand_over")],  # the admin's
        "reports:inspection": ["/reports/inspection/"],
        "reports:accuracy": ["/reports/accuracy/"],
        "reports:calibration": ["/reports/calibration/"],
        "reports:accept_calibration": [],  # hidden fields only: see the hand-made posts below
        "imports:upload": [reverse("imports:upload")],
        "imports:detail": [reverse("imports:detail", args=[world["job"].pk])],
        "imports:check": [],  # a button, no field
        "imports:commit": [],  # a button, no field
        "imports:progress": [],  # a JSON poll, no field
        "api_tokens:token_create": [reverse("accounts:profile")],
        "api_tokens:token_revoke": [],  # a button, no field
        "password_reset": [reverse("password_reset")],
        "password_reset_done": [],  # a message, no field
        "password_reset_confirm": [],  # a signed link: see the account tests
        "password_reset_complete": [],  # a message, no field
        "csp_report": [],  # the browser's JSON report: see the hand-made posts below
        **dict.fromkeys(API_NAMES, []),  # JSON bodies: see the API tests below
        "intake:form": [reverse("intake:form")],
        "intake:thanks": [reverse("intake:thanks")],
        "intake:submit": [],  # the same form as JSON or form data, tested in the intake tests
        "accounts:profile": [reverse("accounts:profile")],
    }


API_NAMES = [
    "api:api-root", "api:docs", "api:schema", "api:stage-list", "api:stage-detail", "api:loss-reason-list",
    "api:loss-reason-detail", "api:customer-list", "api:customer-detail", "api:contact-list", "api:contact-detail",
    "api:notification-list", "api:notification-detail", "api:notification-mark-read", "api:lead-list",
    "api:lead-detail", "api:opportunity-list", "api:opportunity-detail", "api:opportunity-move",
    "api:follow-up-list", "api:follow-up-detail",
]  # fmt: skip


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
    models = [Opportunity, Lead, Customer, Contact, Activity, Objection, ApprovalRequest, StageChange, LeadContact]
    models += [SavedView, Attachment, Stage]
    state = {m.__name__: list(m.objects.order_by("pk").values()) for m in models}
    state["User"] = list(
        User.objects.order_by("pk").values("pk", "first_name", "last_name", "email", "language", "is_active")
    )
    state["ApiToken"] = list(ApiToken.objects.order_by("pk").values("pk", "name", "revoked_at"))
    state["ImportJob"] = list(ImportJob.objects.order_by("pk").values("pk", "kind", "mapping", "status"))
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


def spoilers(payloads: list[str], index: int, count: int = 1) -> list[str]:
    """`count` of a field kind's bad values for the `index`-th field of that form, in turn, so
    that every value is tried on some field without trying every value on every field."""
    return [payloads[(index + i) % len(payloads)] for i in range(min(count, len(payloads)))]


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
    "new customer": lambda w: reverse("customers:new"),
    "customer edit": lambda w: reverse("customers:edit", args=[w["customer"].pk]),
    "new contact": lambda w: reverse("customers:contact_new", args=[w["customer"].pk]),
    "contact edit": lambda w: reverse("customers:contact_edit", args=[w["customer"].pk, w["deal"].contacts.first().pk]),
    "customer merge": lambda w: reverse("customers:merge", args=[w["customer"].pk]),
    "deal list": lambda w: reverse("opportunities:list"),
    "lead list": lambda w: reverse("leads:list"),
    "hand-over": lambda w: reverse("workspace:hand_over"),
    "import upload": lambda w: reverse("imports:upload"),
    "import mapping": lambda w: reverse("imports:detail", args=[w["job"].pk]),
    "password reset": lambda w: reverse("password_reset"),
}


def test_the_sweep_opens_every_page_that_has_a_form(world):
    swept = {f(world) for f in FORM_PAGES.values()}
    assert {url for urls in pages(world).values() for url in urls} - swept <= {
        "/",
        "/login/",
        "/customers/",
        "/customers/pool/",  # claim buttons only
        "/customers/duplicates/",
        "/recycle-bin/",  # restore buttons only
        "/search/",
        "/reports/inspection/",
        "/reports/accuracy/",
        "/reports/calibration/",  # hidden fields only: see the hand-made posts
        world["customer"].get_absolute_url(),  # a file upload and buttons
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


# Pages with a form only the team leader or the admin sees; the rest are the rep's.
LEADER_PAGES = {"deal awaiting approval", "notifications", "customer merge"}
ADMIN_PAGES = {"hand-over"}
ANONYMOUS_PAGES = {"website form", "password reset"}


@pytest.mark.parametrize("form_page", FORM_PAGES)
def test_every_form_refuses_a_spoiled_field_with_a_message_and_changes_nothing(
    form_page, world, rep, leader, admin_user, settings
):
    settings.INTAKE_RATE_LIMIT = 10_000
    url = FORM_PAGES[form_page](world)
    if form_page in ANONYMOUS_PAGES:
        users = {"anonymous": Client(REMOTE_ADDR="203.0.113.9")}
    elif form_page in ADMIN_PAGES:
        users = {"admin": client_for(admin_user)}
    else:
        users = {"leader": client_for(leader)} if form_page in LEADER_PAGES else {"rep": client_for(rep)}
    problems, tried = [], 0
    for who, client in users.items():
        response = client.get(url)
        assert response.status_code == 200
        for form in forms_on(response.content.decode(), url):
            if form.method != "post" or form.action.startswith(("/logout", "/i18n")):
                continue
            for index, (name, kind) in enumerate(user_fields(form)):
                for payload in spoilers(PAYLOADS[kind], index):
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
    assert not problems, "\n".join(problems)
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
    ("reports:forecast", ["team", "rep", "month", "csv"]),
    ("reports:conversion", ["period", "rep", "csv"]),
    ("reports:winloss", ["period", "source", "csv"]),
    ("reports:team", ["period", "team", "csv"]),
    ("reports:quality", ["period", "multiple", "csv"]),
    ("reports:inspection", ["period", "team", "rep", "since", "csv"]),
    ("reports:accuracy", ["team", "rep", "csv"]),
    ("reports:calibration", ["period", "team", "rep", "customer_type", "csv"]),
    ("customers:pool", ["q", "customer_type", "industry", "region", "value_tier", "page"]),
    ("customers:duplicates", ["page"]),
    ("customers:merge", ["duplicate"]),
    ("recyclebin:list", ["kind", "page"]),
    ("workspace:search", ["q"]),
    ("imports:upload", ["page"]),
]  # fmt: skip


@pytest.mark.parametrize("name, params", GET_PAGES, ids=[name for name, _ in GET_PAGES])
def test_no_list_or_report_parameter_makes_a_page_fail(name, params, world, leader, admin_user):
    problems = []
    for client in (client_for(admin_user),):
        for index, param in enumerate(params):
            for value in spoilers(GET_PAYLOADS, index * 2, count=3):
                args = [world["customer"].pk] if name == "customers:merge" else []
                response = client.get(reverse(name, args=args), {param: value})
                if response.status_code >= 500:
                    problems.append(f"{name}?{param}={value[:20]!r}: HTTP {response.status_code}")
                elif response.streaming:
                    b"".join(response.streaming_content)
    assert not problems, "\n".join(problems)


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
        reverse("opportunities:decide_approval", args=[approval.pk]), {"decision": action, field: NUL}, follow=True
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


# --- fields a browser sends hidden, posted by hand --------------------------------------

HIDDEN_PAYLOADS = [NUL, LONG, "99999999999999999999999", "-1", "1e400"]


def hidden_posts(world, stages) -> list[tuple]:
    """(who, url, valid data, field to spoil[, payloads]) for the fields a page keeps hidden."""
    deal, lead = world["deal"], world["lead"]
    return [
        ("admin", reverse("reports:accept_calibration"), {"stage": str(stages[1].pk), "probability": "30"}, "stage"),
        ("admin", reverse("reports:accept_calibration"), {"stage": str(stages[1].pk), "probability": "30"}, "probability"),
        ("rep", reverse("workspace:save_view"), {"page": "opportunities", "name": "Mine", "query": "q=a"}, "page"),
        ("rep", reverse("workspace:save_view"), {"page": "opportunities", "name": "Mine", "query": "q=a"}, "query", [NUL, LONG]),
        ("rep", reverse("workspace:bulk_deals"), {"action": "follow_up", "ids": str(deal.pk), "follow_up_on": "2030-01-01"}, "ids"),
        ("rep", reverse("workspace:bulk_deals"), {"action": "follow_up", "ids": str(deal.pk), "follow_up_on": "2030-01-01"}, "follow_up_on"),
        ("leader", reverse("workspace:bulk_leads"), {"action": "reassign", "ids": str(lead.pk), "owner": str(lead.owner_id)}, "owner"),
        ("rep", reverse("workspace:bulk_leads"), {"action": "follow_up", "ids": str(lead.pk), "follow_up_on": "2030-01-01"}, "follow_up_on"),
        ("rep", reverse("opportunities:edit", args=[deal.pk]), {"name": deal.name, "owner": str(deal.owner_id), "amount": "10", "value_tier": "medium", "urgency": "normal", "buying_stage": "awareness", "version": str(deal.version)}, "version"),
        ("leader", reverse("customers:merge", args=[world["customer"].pk]), {"duplicate": str(world["customer"].pk), "confirm": "on"}, "duplicate"),
        ("admin", reverse("workspace:hand_over"), {"leaver": str(deal.owner_id), "to": str(deal.owner_id)}, "to"),
    ]  # fmt: skip


def test_no_hidden_field_sent_by_hand_makes_a_form_fail_or_change_anything(world, stages, rep, leader, admin_user):
    clients = {"rep": client_for(rep), "leader": client_for(leader), "admin": client_for(admin_user)}
    problems = []
    for who, url, data, name, *payloads in hidden_posts(world, stages):
        for payload in payloads[0] if payloads else HIDDEN_PAYLOADS:
            before = snapshot()
            answer = clients[who].post(url, {**data, name: payload})
            spoiled = f"{who} {url} {name}={payload[:12]!r}"
            if answer.status_code >= 500:
                problems.append(f"{spoiled}: HTTP {answer.status_code}")
            elif snapshot() != before:
                problems.append(f"{spoiled}: the record changed")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"not json", "application/csp-report"),
        (b"[1, 2]", "application/json"),
        (b'{"csp-report": "x\\u0000"}', "application/csp-report"),
        (b'{"csp-report": {"blocked-uri": "' + b"x" * 100_000 + b'"}}', "application/csp-report"),
        (b"\xff\xfe\x00", "application/json"),
    ],
    ids=["not json", "a list", "a string", "100 KB", "not utf-8"],
)
def test_a_malformed_security_report_is_refused_not_a_failure(body, content_type, client):
    response = client.post(reverse("csp_report"), body, content_type=content_type)
    assert response.status_code in (204, 400)


# --- the REST API: JSON bodies, through a token or the session ---------------------------

API_PAYLOADS = {
    "text": [NUL, LONG, [[1]], {"a": 1}],
    "date": [NUL, "0001-01-01", "9999-12-31T23:59:00", 1e20],
    "number": [NUL, 10**30, "Infinity", "1e400", "20000000000"],
    "id": [NUL, 10**30, "99999999999999999999999", -1, [[1]], 1.5],
    "ids": [NUL, [10**30], [[1]], [NUL]],
    "flag": [{"a": 1}, [[1]], NUL],
}


def api_kind(model, name: str) -> str:
    from django.db import models as m

    if name in ("version", "stage", "loss_reason"):
        return "id"
    if name == "note":
        return "text"
    field = model._meta.get_field(name)
    if isinstance(field, m.ManyToManyField):
        return "ids"
    if isinstance(field, m.ForeignKey | m.IntegerField):
        return "id"
    if isinstance(field, m.DateField):
        return "date"
    if isinstance(field, m.DecimalField | m.FloatField):
        return "number"
    if isinstance(field, m.BooleanField):
        return "flag"
    return "text"


@pytest.fixture
def api_rep(rep):
    from rest_framework.test import APIClient

    client = APIClient()
    _, key = ApiToken.issue(rep, "sweep")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def api_writes(world, stages) -> list[tuple[str, str, dict, list[str], type]]:
    """(method, url, a valid body, the fields to spoil) for every write of the API."""
    from api import serializers as s

    deal, lead = world["deal"], world["lead"]
    lead_fields = [f for f in s.LeadWriteSerializer.Meta.fields if f != "version"]
    deal_fields = [f for f in s.OpportunityWriteSerializer.Meta.fields if f not in ("version", "customer")]
    # A new deal has no closing review yet (the field is ignored on create), the customer is set on create only.
    follow_up = {"opportunity": deal.pk, "kind": "call", "summary": "Called", "occurred_at": "2026-01-05T10:00:00"}
    return [
        ("post", reverse("api:lead-list"), {"name": "Bo Lee", "company": "Bo Ltd", "phone": "13800000000"}, lead_fields, Lead),
        ("patch", reverse("api:lead-detail", args=[lead.pk]), {"version": lead.version}, [*lead_fields, "version"], Lead),
        ("post", reverse("api:opportunity-list"), {"name": "New", "customer": deal.customer_id, "amount": "10"}, [*(f for f in deal_fields if f != "review_notes"), "customer"], Opportunity),
        ("patch", reverse("api:opportunity-detail", args=[deal.pk]), {"version": deal.version}, [*deal_fields, "version"], Opportunity),
        ("post", reverse("api:opportunity-move", args=[deal.pk]), {"stage": stages[1].pk, "note": "On"}, ["stage", "loss_reason", "note"], Opportunity),
        ("post", reverse("api:follow-up-list"), follow_up, [*s.FollowUpWriteSerializer.Meta.fields], Activity),
    ]  # fmt: skip


def test_no_spoiled_field_in_a_json_body_makes_the_api_fail_or_change_anything(world, stages, api_rep):
    problems = []
    for method, url, body, fields, model in api_writes(world, stages):
        send = getattr(api_rep, method)
        for name in fields:
            before = snapshot()
            for payload in API_PAYLOADS[api_kind(model, name)]:
                answer = send(url, {**body, name: payload}, format="json")
                if answer.status_code >= 500:
                    problems.append(f"{method} {url} {name}={str(payload)[:12]!r}: HTTP {answer.status_code}")
                elif answer.status_code < 400:
                    problems.append(f"{method} {url} {name}={str(payload)[:12]!r}: accepted")
            if snapshot() != before:
                problems.append(f"{method} {url} {name}: the record changed")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("auth", ["token", "session"])
def test_a_body_that_is_not_a_json_object_is_a_400_not_a_failure(auth, world, stages, api_rep, rep):
    from rest_framework.test import APIClient

    if auth == "session":
        api_rep = APIClient()
        api_rep.force_login(rep)
    before = snapshot()
    for method, url, _body, _fields, _model in api_writes(world, stages):
        for raw in [b"not json", b"[1, 2]", b'"text"', b"null", b"1e400", b'{"name": "\\u0000"}', b"\xff\xfe"]:
            answer = getattr(api_rep, method)(url, raw, content_type="application/json")
            assert answer.status_code in (400, 403, 409), (method, url, raw[:12], answer.status_code)
    assert snapshot() == before


API_GET_PAGES = [
    ("api:opportunity-list", ["q", "status", "stage", "owner", "close_month", "amount_min", "amount_max", "page", "page_size"]),
    ("api:lead-list", ["q", "status", "source", "owner", "score_min", "created_after", "page", "page_size"]),
    ("api:follow-up-list", ["page", "page_size"]),
    ("api:customer-list", ["page"]),
    ("api:contact-list", ["page"]),
    ("api:notification-list", ["page"]),
]  # fmt: skip


def test_no_api_list_parameter_makes_the_api_fail(world, api_rep):
    problems = []
    for name, params in API_GET_PAGES:
        for param in params:
            for value in GET_PAYLOADS:
                response = api_rep.get(reverse(name), {param: value})
                if response.status_code >= 500:
                    problems.append(f"{name}?{param}={value[:20]!r}: HTTP {response.status_code}")
    assert not problems, "\n".join(problems)
