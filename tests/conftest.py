"""Standing cast for every test: two teams, each with a leader and reps, and an admin.

- `rep` and `teammate` are reps of team A (led by `leader`);
- `outsider` is a rep of team B (led by `other_leader`);
- `admin_user` is staff.
"""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Team
from opportunities.models import LossReason, Stage

from .factories import TeamFactory, UserFactory


def ensure_default_process() -> None:
    """Recreate what the data migrations seed (stages, loss reasons, lead sources, role groups).

    Transactional tests (live server, concurrency, real workers) flush the database when they
    end, taking the migrated defaults with them; this puts them back for the next one.
    """
    import importlib

    from django.apps import apps

    from leads.models import LeadSource

    if not Stage.objects.exists():
        importlib.import_module("opportunities.migrations.0002_default_process").create(apps, None)
        importlib.import_module("opportunities.migrations.0007_forecast_categories").assign_categories(apps)
    if not LeadSource.objects.exists():
        importlib.import_module("leads.migrations.0003_default_sources").create(apps, None)
    importlib.import_module("accounts.migrations.0002_role_groups").create(apps, None)


@pytest.fixture(autouse=True)
def _default_process(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        ensure_default_process()


@pytest.fixture(autouse=True)
def _english(settings):
    """Tests read English text unless a test switches language itself."""
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def leader(db):
    return UserFactory(username="leader_a", first_name="Lena")


@pytest.fixture
def team(leader) -> Team:
    team = TeamFactory(name="East", leader=leader)
    leader.team = team
    leader.save(update_fields=["team"])
    return team


@pytest.fixture
def rep(team):
    return UserFactory(username="rep_a", first_name="Rita", team=team)


@pytest.fixture
def teammate(team):
    return UserFactory(username="rep_a2", first_name="Tom", team=team)


@pytest.fixture
def other_leader(db):
    return UserFactory(username="leader_b", first_name="Otto")


@pytest.fixture
def other_team(other_leader) -> Team:
    team = TeamFactory(name="North", leader=other_leader)
    other_leader.team = team
    other_leader.save(update_fields=["team"])
    return team


@pytest.fixture
def outsider(other_team):
    return UserFactory(username="rep_b", first_name="Olga", team=other_team)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="boss", is_staff=True, is_superuser=True)


@pytest.fixture
def stages(db) -> dict[int, Stage]:
    """The default stages by order: 1 (20 %), 2 (50 %), 3 (80 %), 4 won, 5 lost."""
    return {s.order: s for s in Stage.objects.in_pipeline(None)}


@pytest.fixture
def loss_reason(db) -> LossReason:
    return LossReason.objects.get(name_en="Price")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rep_client(rep) -> Client:
    return client_for(rep)


@pytest.fixture
def leader_client(leader) -> Client:
    return client_for(leader)


@pytest.fixture
def outsider_client(outsider) -> Client:
    return client_for(outsider)


@pytest.fixture
def admin_client_(admin_user) -> Client:
    return client_for(admin_user)


@pytest.fixture(autouse=True)
def _primary_only(request, settings):
    """The replica (when configured) is a test mirror of the primary; only tests marked
    `replica` route reads to it, since a mirror connection cannot see another connection's
    uncommitted test data."""
    settings.REPLICA_READS = request.node.get_closest_marker("replica") is not None


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """A reused test database may have been flushed by a transactional test: restore defaults."""
    with django_db_blocker.unblock():
        ensure_default_process()
