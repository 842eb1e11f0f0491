"""Every URL of the project has an entry in the access matrix, and each kind of user gets exactly
the status the matrix says, with real records; a refused request changes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from api.models import ApiToken
from attachments.models import Attachment
from imports.models import ImportJob
from notifications.models import Notification
from opportunities.models import Activity, ApprovalRequest, Objection
from tests.conftest import client_for
from tests.factories import ContactFactory, CustomerFactory, LeadFactory, OpportunityFactory
from workspace.models import SavedView

from .access_matrix import (
    ACCESS_MATRIX,
    ADMIN,
    ANON,
    LEADER,
    OTHER_LEADER,
    OUTSIDER,
    OWNER,
    ROLES,
    TEAMMATE,
)

# Every app of the project (not the libraries): a new app's tables are watched without a change here.
OUR_APPS = tuple(config.label for config in apps.get_app_configs() if "site-packages" not in config.path)
# Columns any request moves, allowed or not (the sign-in, a token's use).
VOLATILE = {"accounts.User": "last_login", "api.ApiToken": "last_used_at"}


def requests_of(matrix: dict) -> list[tuple[str, dict]]:
    """(name, request) for every request the matrix describes: an entry is one dict or a list."""
    return [(name, e) for name, entry in matrix.items() for e in (entry if isinstance(entry, list) else [entry])]


def request_id(name: str, entry: dict) -> str:
    return f"{name} {entry.get('method', 'get').upper()}"


def url_patterns(patterns=None, namespace: str | None = None, prefix: str = ""):
    """(name, route) for every pattern of the project, walking included URLconfs recursively."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = ":".join(filter(None, [namespace, pattern.namespace])) or None
            yield from url_patterns(pattern.url_patterns, ns, route)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name, route


def covered_by_rule(name: str | None, route: str) -> bool:
    """Admin pages (tested by the admin rule below) and static files (served before any view)."""
    return route.startswith("admin/") or route.startswith(settings.STATIC_URL.lstrip("/"))


def entry_key(name: str | None, route: str) -> str:
    """A URL's key in the matrix: its name, or "/route" for a pattern without a name."""
    return name or f"/{route}"


def url_of(key: str, args: list) -> str:
    return key if key.startswith("/") else reverse(key, args=args)


def missing_entries(matrix: dict) -> list[str]:
    return [
        entry_key(name, route)
        for name, route in url_patterns()
        if not covered_by_rule(name, route) and entry_key(name, route) not in matrix
    ]


def test_a_url_without_an_entry_is_caught():
    matrix = {name: entry for name, entry in ACCESS_MATRIX.items() if name != "opportunities:detail"}
    assert missing_entries(matrix) == ["opportunities:detail"]


def test_every_url_pattern_has_an_entry_in_the_access_matrix():
    missing = missing_entries(ACCESS_MATRIX)
    assert not missing, (
        "URL patterns without an entry in tests/security/access_matrix.py (add one dict each, with the "
        f"expected status for every kind of user): {missing}"
    )


def test_the_matrix_names_only_urls_that_exist_and_every_kind_of_user():
    names = {entry_key(name, route) for name, route in url_patterns()}
    assert set(ACCESS_MATRIX) <= names, set(ACCESS_MATRIX) - names
    for name, entry in requests_of(ACCESS_MATRIX):
        assert set(entry["expect"]) == set(ROLES), name


@dataclass
class World:
    users: dict
    stages: dict
    customer: object
    contact: object
    deal: object
    objection: object
    approval: object
    lead: object
    notification: object
    follow_up: object
    attachment: object
    spare_customer: object
    binned_lead: object
    binned_file: object
    pool_customer: object
    lead_contact: object
    saved_view: object
    import_job: object
    token: object
    api_keys: dict
    loss_reason: object

    def clients(self, *, token: bool = False) -> dict[str, Client]:
        """A client per kind of user: signed in with a session, or sending their personal API token."""
        if token:
            return {
                ANON: Client(),
                **{role: Client(HTTP_AUTHORIZATION=f"Bearer {key}") for role, key in self.api_keys.items()},
            }
        return {ANON: Client(), **{role: client_for(user) for role, user in self.users.items()}}

    @staticmethod
    def upload() -> SimpleUploadedFile:
        return SimpleUploadedFile("quote.pdf", b"%PDF-1.4 quote", content_type="application/pdf")

    @property
    def reset_uid(self) -> str:
        return urlsafe_base64_encode(force_bytes(self.users[OWNER].pk))

    @property
    def reset_token(self) -> str:
        owner = self.users[OWNER]
        owner.refresh_from_db()
        return default_token_generator.make_token(owner)


@pytest.fixture
def world(rep, teammate, outsider, leader, other_leader, admin_user, stages, loss_reason, settings, tmp_path) -> World:
    """One record of each kind, all owned by `rep`, with a pending approval, a notification, a
    follow-up, a file, a lead in the recycle bin and a personal API token for every user."""
    settings.MEDIA_ROOT = tmp_path / "media"
    customer = CustomerFactory(owner=rep, name="Owner Customer Co")
    contact = ContactFactory(customer=customer, buying_role="decision_maker")
    deal = OpportunityFactory(
        owner=rep,
        customer=customer,
        primary_contact=contact,
        stage=stages[2],
        amount=Decimal("2000000"),
        name="Owner Deal",
    )
    deal.contacts.add(contact)
    objection = Objection.objects.create(opportunity=deal, kind="price", description="Too dear", created_by=rep)
    approval = ApprovalRequest.objects.create(opportunity=deal, stage=stages[3], amount=deal.amount, requested_by=rep)
    lead = LeadFactory(owner=rep, name="Owner Lead", qualified=True)
    notification = Notification.objects.create(
        recipient=rep, kind=Notification.Kind.OTHER, title="Owner Notice", url="/", dedup_key="matrix:1"
    )
    follow_up = Activity.log(by=rep, opportunity=deal, summary="Owner Call Notes")
    attachment = Attachment.attach(by=rep, upload=World.upload(), opportunity=deal)
    spare_customer = CustomerFactory(owner=rep, name="Owner Spare Co")
    binned_lead = LeadFactory(owner=rep, name="Owner Binned Lead")
    binned_lead.move_to_bin(by=rep)
    binned_file = Attachment.attach(by=rep, upload=World.upload(), customer=customer)
    binned_file.move_to_bin(by=rep)
    token, _ = ApiToken.issue(rep, "Owner Script")
    pool_customer = CustomerFactory(owner=None, team=rep.team, pooled_at=timezone.now(), name="East Pool Co")
    lead_contact = lead.add_to_decision_chain(name="Zhao Lei", buying_role="influencer")
    saved_view = SavedView.objects.create(owner=rep, page=SavedView.Page.OPPORTUNITIES, name="Mine", query="stale=1")
    import_job = ImportJob.objects.create(
        kind="leads", created_by=rep, file_name="leads.csv", content=b"name\nLi Lei\n", content_hash="0" * 64
    )
    users = {
        OWNER: rep,
        TEAMMATE: teammate,
        OUTSIDER: outsider,
        LEADER: leader,
        OTHER_LEADER: other_leader,
        ADMIN: admin_user,
    }
    return World(
        users=users,
        stages=stages,
        customer=customer,
        contact=contact,
        deal=deal,
        objection=objection,
        approval=approval,
        lead=lead,
        notification=notification,
        follow_up=follow_up,
        attachment=attachment,
        spare_customer=spare_customer,
        binned_lead=binned_lead,
        binned_file=binned_file,
        pool_customer=pool_customer,
        lead_contact=lead_contact,
        saved_view=saved_view,
        import_job=import_job,
        token=token,
        api_keys={role: ApiToken.issue(user, "Matrix")[1] for role, user in users.items()},
        loss_reason=loss_reason,
    )


def our_models() -> list:
    """Our apps' models, with the many-to-many tables (a deal's contacts, its competitors)."""
    return [model for label in OUR_APPS for model in apps.get_app_config(label).get_models(include_auto_created=True)]


def snapshot() -> dict:
    """Every row of our apps' tables, binned rows too (the World is small), to prove a refused
    request changed nothing: on PostgreSQL one digest per table in a single query."""
    if connection.vendor == "postgresql":
        selects = []
        for model in our_models():
            volatile = f" - '{VOLATILE[model._meta.label]}'" if model._meta.label in VOLATILE else ""
            rows = f"string_agg((to_jsonb(t){volatile})::text, ',' ORDER BY t.{model._meta.pk.column})"
            selects.append(f"SELECT '{model._meta.label}', md5(coalesce({rows}, '')) FROM {model._meta.db_table} t")
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(selects))
            return dict(cursor.fetchall())
    rows = {}
    for model in our_models():
        manager = getattr(model, "all_objects", model._default_manager)  # the recycle bin too
        rows[model._meta.label] = list(manager.order_by("pk").values())
        for row in rows[model._meta.label]:
            row.pop(VOLATILE.get(model._meta.label), None)
    return rows


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "entry"), requests_of(ACCESS_MATRIX), ids=[request_id(*request) for request in requests_of(ACCESS_MATRIX)]
)
def test_each_kind_of_user_gets_the_status_the_matrix_says(name, entry, world):
    # Sign everyone in first: a sign-in moves last_login, which a password reset token depends on.
    clients = world.clients(token=name.startswith("api:"))
    args = entry.get("args", lambda w: [])(world)
    url = url_of(name, args)
    method = entry.get("method", "get")
    got, wrong = {}, []
    before = snapshot()  # every request below is rolled back, so each starts from this state
    for role in ROLES:
        cache.clear()  # the intake's rate limit counts per address, and every client has the same one
        data = entry.get("data", {})
        data = data(world) if callable(data) else data  # per request: an uploaded file is read once
        with transaction.atomic():
            if "content_type" in entry:
                payload = json.dumps(data)
                response = getattr(clients[role], method)(url, payload, content_type=entry["content_type"])
            else:
                response = getattr(clients[role], method)(url, data)
            got[role] = response.status_code
            body = body_of(response)
            refused = response.status_code in (400, 401, 403, 404, 405, 409) or (
                role == ANON and response.status_code == 302 and "login" in response.get("Location", "")
            )
            if refused or role not in entry.get("changes_only", ROLES):
                if changed := changed_tables(before, snapshot()):
                    wrong.append(f"{role}: {response.status_code}, yet {changed} changed")
            if role != ANON and response.status_code == 200 and not entry.get("public"):
                if "no-store" not in response.get("Cache-Control", ""):
                    wrong.append(f"{role}: signed-in response without Cache-Control: no-store")
            if "shows" in entry and response.status_code == 200:
                text, seers = entry["shows"]
                if (text(world) in body) != (role in seers):
                    wrong.append(f"{role}: {'missing' if role in seers else 'shown'} {text(world)!r}")
            transaction.set_rollback(True)
    mismatches = {role: (entry["expect"][role], got[role]) for role in ROLES if entry["expect"][role] != got[role]}
    assert not mismatches and not wrong, f"{name} ({method.upper()} {url}): expected/got {mismatches} {wrong}"


@pytest.mark.django_db
def test_the_snapshot_sees_any_changed_row_but_not_a_sign_in(world):
    before = snapshot()
    client_for(world.users[TEAMMATE])  # moves last_login only
    assert changed_tables(before, snapshot()) == []
    world.deal.contacts.remove(world.contact)
    world.binned_lead.restore(by=world.users[ADMIN])
    changed = changed_tables(before, snapshot())
    assert "opportunities.Opportunity_contacts" in changed and "leads.Lead" in changed


@pytest.mark.django_db
def test_every_visible_to_shows_an_anonymous_user_nothing(world):
    """The API's schema and every list build their querysets for whoever asks, signed in or not."""
    from django.contrib.auth.models import AnonymousUser

    scoped_models = [m for m in our_models() if hasattr(m._default_manager, "visible_to")]
    assert len(scoped_models) >= 8
    for model in scoped_models:
        assert not model._default_manager.visible_to(AnonymousUser()).exists(), model._meta.label


def test_an_anonymous_visitor_is_sent_to_sign_in_not_shown_the_page(client, world):
    response = client.get(reverse("opportunities:detail", args=[world.deal.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


ADMIN_EXPECT = {ANON: 302, OWNER: 302, TEAMMATE: 302, OUTSIDER: 302, LEADER: 302, OTHER_LEADER: 302, ADMIN: 200}


@pytest.mark.django_db
def test_admin_pages_are_for_admins_only(world):
    """The admin rule: every registered model's list and the index, for admins only; everyone else
    is sent to sign in (the admin's sign-in refuses non-staff)."""
    urls = [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry
    ]
    clients = {ANON: Client(), **{role: client_for(user) for role, user in world.users.items()}}
    wrong = []
    for url in urls:
        for role in ROLES:
            response = clients[role].get(url)
            if response.status_code != ADMIN_EXPECT[role]:
                wrong.append((url, role, response.status_code))
            elif response.status_code == 302 and not response["Location"].startswith(
                (reverse("admin:login"), reverse("login"))
            ):
                wrong.append((url, role, response["Location"]))
    assert not wrong
