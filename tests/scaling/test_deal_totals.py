"""The running deal totals behind the deal list's, the board's and my day's sums stay equal to
the deals summed from scratch, whatever writes the deals, and the pages show the same figures
from them as from the deals."""

from __future__ import annotations

import io
import random
import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.models import Count, F, Sum
from django.urls import reverse

from opportunities.models import DealTotal, Opportunity, Pipeline, Stage
from opportunities.models.totals import rebuild

from ..factories import OpportunityFactory, UserFactory


def kept() -> dict[tuple, tuple]:
    """The running totals, without those left at zero."""
    return {
        (t.owner_id, t.stage_id, t.probability): (t.n, t.amount)
        for t in DealTotal.objects.all()
        if (t.n, t.amount) != (0, 0)
    }


def from_scratch() -> dict[tuple, tuple]:
    rows = Opportunity.objects.values("owner_id", "stage_id", "probability").annotate(n=Count("pk"), s=Sum("amount"))
    return {(r["owner_id"], r["stage_id"], r["probability"]): (r["n"], r["s"]) for r in rows}


@pytest.fixture
def owners(rep, teammate, outsider):
    return [rep, teammate, outsider]


def random_writes(owners, stage_list, admin, *, steps: int, seed: int) -> Counter:
    """Every kind of write a deal gets: created, moved, repriced, handed over, binned and
    restored, erased, bulk-updated and written by a raw statement; returns how many of each."""
    rng = random.Random(seed)
    deals = [
        OpportunityFactory(owner=rng.choice(owners), stage=rng.choice(stage_list), amount=Decimal(rng.randint(0, 9999)))
        for _ in range(8)
    ]
    done: Counter = Counter()
    for _ in range(steps):
        deal = rng.choice(deals)
        deal.refresh_from_db()
        kind = rng.randrange(9)
        binned = deal.deleted_at is not None
        done[kind, binned] += 1
        if kind == 0:
            deals.append(OpportunityFactory(owner=rng.choice(owners), stage=rng.choice(stage_list)))
        elif kind == 1 and deal.deleted_at is None:
            stage = rng.choice(stage_list)
            deal.stage, deal.probability = stage, stage.probability
            deal.save()
        elif kind == 2:
            deal.amount = Decimal(rng.randint(0, 99999)) / 100
            deal.save(update_fields=["amount"])
        elif kind == 3:
            Opportunity.all_objects.filter(pk=deal.pk).update(owner=rng.choice(owners))
        elif kind == 4:
            deal.move_to_bin(admin)
        elif kind == 5 and deal.deleted_at is not None:
            deal.restore(admin)
        elif kind == 6:
            Opportunity.objects.filter(owner=rng.choice(owners)).update(amount=F("amount") + 1)
        elif kind == 7:
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE opportunities_opportunity SET probability = %s WHERE id = %s",
                    [rng.choice([5, 35, 90]), deal.pk],
                )
        elif kind == 8 and len(deals) > 3:
            deals.remove(deal)
            Opportunity.all_objects.filter(pk=deal.pk).delete()
        # A write inside a transaction that fails leaves no trace in the totals either.
        if rng.random() < 0.1:
            with pytest.raises(RuntimeError), transaction.atomic():
                Opportunity.all_objects.filter(pk=deal.pk).update(amount=F("amount") + 500)
                raise RuntimeError
    return done


def test_the_running_totals_equal_the_deals_summed_from_scratch_after_random_writes(owners, admin_user, stages):
    done = random_writes(owners, list(stages.values()), admin_user, steps=150, seed=3)

    totals = kept()
    assert totals == from_scratch()
    assert sum(n for n, _ in totals.values()) == Opportunity.objects.count()
    # The walk binned, restored and erased deals, and spread them over owners, stages and probabilities.
    assert done[4, False] and done[5, True] and done[8, False]
    assert len({owner for owner, _, _ in totals}) > 1 and len({p for *_, p in totals}) > 3

    assert rebuild() == DealTotal.objects.count()
    assert kept() == totals


def test_the_rebuild_command_mends_totals_a_write_bypassing_the_triggers_left_wrong(rep, stages):
    for n in range(5):
        OpportunityFactory(owner=rep, stage=stages[1 + n % 3], amount=Decimal(100 * (n + 1)))
    right = kept()
    DealTotal.objects.update(n=F("n") + 7)  # as a restore with triggers disabled would leave them
    assert kept() != right

    out = io.StringIO()
    call_command("rebuild_deal_totals", stdout=out)

    assert f"{len(right)} running totals written" in out.getvalue()
    assert kept() == right


def list_totals(client, user, **query) -> dict:
    client.force_login(user)
    response = client.get(reverse("opportunities:list"), query)
    assert response.status_code == 200
    return response.context["totals"]


def summed(deals) -> dict:
    """What the list showed before there were running totals: the deals themselves, summed."""
    return deals.totals()


@pytest.fixture
def spread(rep, teammate, outsider, stages):
    """Deals of three owners in two teams, in every stage of two pipelines, one binned."""
    second = Pipeline.objects.create(name="续约", name_en="Renewals", order=3)
    renewal_stages = [
        Stage.objects.create(pipeline=second, order=1, name="洽谈", name_en="Talk", probability=30),
        Stage.objects.create(pipeline=second, order=2, name="签约", name_en="Signed", probability=100, outcome="won"),
    ]
    for i, stage in enumerate([*stages.values(), *renewal_stages] * 2):
        for owner in (rep, teammate, outsider):
            OpportunityFactory(owner=owner, stage=stage, amount=Decimal(100000 + 3701 * i) / 100)
    OpportunityFactory(owner=rep, stage=stages[2], amount=Decimal("999999")).move_to_bin(None)
    return second


def test_the_list_shows_the_same_sums_from_the_running_totals_as_from_the_deals(
    client, spread, rep, leader, team, admin_user, stages
):
    for user in (rep, leader, admin_user):
        visible = Opportunity.objects.visible_to(user)
        cases = [
            ({}, visible.open()),
            ({"status": "won"}, visible.won()),
            ({"status": "lost"}, visible.lost()),
            ({"status": "all"}, visible),
            ({"stage": stages[2].pk}, visible.filter(stage=stages[2])),
            ({"pipeline": spread.pk, "status": "all"}, visible.filter(stage__pipeline=spread)),
            ({"sort": "amount"}, visible.open()),
        ]
        if user != rep:
            cases += [
                ({"owner": rep.pk}, visible.open().filter(owner=rep)),
                ({"team": team.pk}, visible.open().filter(owner__team=team)),
            ]
        for query, deals in cases:
            shown = list_totals(client, user, **query)
            assert shown == summed(deals), (user, query)
            assert shown["total_count"] == deals.count() > 0, (user, query)


def test_a_filter_the_totals_are_not_kept_by_sums_the_deals(client, spread, rep, stages):
    OpportunityFactory(owner=rep, stage=stages[1], name="Needle deal", amount=Decimal("12.34"))
    shown = list_totals(client, rep, q="Needle")
    assert shown == {"total_count": 1, "total_amount": Decimal("12.34"), "total_weighted": Decimal("12.34") * 20 / 100}


def test_a_binned_repriced_or_handed_over_deal_leaves_the_sums_at_once(client, rep, teammate, leader, team, stages):
    deal = OpportunityFactory(owner=rep, stage=stages[1], amount=Decimal("5000"))
    OpportunityFactory(owner=rep, stage=stages[1], amount=Decimal("100"))
    assert list_totals(client, rep)["total_amount"] == Decimal("5100")

    deal.amount = Decimal("7000")
    deal.save()
    assert list_totals(client, rep)["total_amount"] == Decimal("7100")

    Opportunity.objects.filter(pk=deal.pk).update(owner=teammate)
    assert list_totals(client, rep)["total_amount"] == Decimal("100")
    assert list_totals(client, leader, owner=teammate.pk)["total_amount"] == Decimal("7000")

    deal.refresh_from_db()
    deal.move_to_bin(leader)
    assert list_totals(client, leader)["total_count"] == 1


def test_the_board_columns_and_my_day_show_the_same_sums_as_the_deals(client, spread, rep, leader, admin_user, stages):
    default = Pipeline.objects.get(is_default=True)
    open_stages = [s for s in stages.values() if s.is_open]
    for user in (rep, leader, admin_user):
        client.force_login(user)
        visible = Opportunity.objects.visible_to(user)
        columns = {
            c.stage.pk: c
            for c in client.get(reverse("opportunities:board"), {"pipeline": default.pk}).context["columns"]
        }
        for stage in open_stages:
            expected = summed(visible.filter(stage=stage))
            column = columns[stage.pk]
            assert (column.count, column.amount, column.weighted) == (
                expected["total_count"],
                expected["total_amount"],
                expected["total_weighted"],
            )
        # A filter the totals are not kept by: the board sums the deals.
        narrow = client.get(reverse("opportunities:board"), {"pipeline": default.pk, "amount_min": 400}).context[
            "columns"
        ]
        assert (
            sum(c.count for c in narrow if c.stage.is_open)
            == visible.open().filter(amount__gte=400, stage__pipeline=default).count()
        )

        day = client.get(reverse("home")).context["pipeline"]
        assert day == summed(visible.open().filter(owner=user) if user == rep else visible.open())


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_concurrent_moves_of_one_owners_deals_in_opposite_directions_keep_the_totals_exact(stages):
    if connection.vendor != "postgresql":
        pytest.fail("run the concurrency tests on PostgreSQL")
    owner = UserFactory(username="busy")
    first, second = stages[1], stages[2]
    ups = [OpportunityFactory(owner=owner, stage=first, amount=Decimal(10 + i)) for i in range(20)]
    downs = [OpportunityFactory(owner=owner, stage=second, amount=Decimal(100 + i)) for i in range(20)]
    barrier = threading.Barrier(2)
    errors: list = []

    def run(deals, to):
        try:
            barrier.wait()
            for deal in deals:
                with transaction.atomic():
                    Opportunity.objects.filter(pk=deal.pk).update(stage=to, probability=to.probability)
        except Exception as exc:  # a deadlock or any error is what this test must show
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(ups, second)), threading.Thread(target=run, args=(downs, first))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert kept() == from_scratch()
    assert kept()[(owner.pk, second.pk, second.probability)] == (20, sum(Decimal(10 + i) for i in range(20)))


def test_an_amount_filter_of_zero_sums_the_deals_not_the_totals(client, rep, stages):
    OpportunityFactory(owner=rep, stage=stages[1], amount=Decimal("0"))
    OpportunityFactory(owner=rep, stage=stages[1], amount=Decimal("500"))
    shown = list_totals(client, rep, amount_max="0")
    assert shown["total_count"] == 1 and shown["total_amount"] == Decimal("0")


def test_every_migrate_installs_the_triggers_again_and_rebuilds_the_totals(rep, stages):
    """SQLite drops a table's triggers when a migration rebuilds the table; `migrate` puts them back."""
    from opportunities.models import totals

    deal = OpportunityFactory(owner=rep, stage=stages[1], amount=Decimal("10"))
    with connection.cursor() as cursor:
        for sql in totals.POSTGRESQL_DROP if connection.vendor == "postgresql" else totals.SQLITE_DROP:
            cursor.execute(sql)
    Opportunity.objects.filter(pk=deal.pk).update(amount=Decimal("25"))  # nothing keeps the totals now
    assert kept() != from_scratch()

    call_command("migrate", verbosity=0)

    assert kept() == from_scratch()
    Opportunity.objects.filter(pk=deal.pk).update(amount=Decimal("40"))
    assert kept() == from_scratch() == {(rep.pk, stages[1].pk, stages[1].probability): (1, Decimal("40"))}


def test_truncating_the_deals_empties_the_totals(rep, stages):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's (SQLite deletes row by row, which the triggers see)")
    OpportunityFactory(owner=rep, stage=stages[1])
    assert kept()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's inserts' deferred checks first
        cursor.execute("TRUNCATE opportunities_opportunity CASCADE")
    assert kept() == {} == from_scratch()
