"""Running totals of the live deals, per owner, stage and probability: the count and amount the
deal list, the board and my day show for a scope of any size, read from a few rows per owner
instead of summing every deal (an admin's 57,000 open deals: one row per owner and stage).

The database keeps them: a trigger on the deal table adds and takes away each row's share in
the transaction of every write that changes a deal's owner, stage, probability, amount or place
in the recycle bin, whatever wrote it (a save, a bulk update, an import, a raw statement), so
they are never behind a committed deal; a TRUNCATE of the deals empties them (PostgreSQL). A
write that bypasses the triggers (a restore with triggers disabled, `loaddata` of a dump that
holds the totals as well as the deals) is mended with `python manage.py rebuild_deal_totals`.

Every `migrate` installs the triggers again and rebuilds the totals (`reinstall`, on
post_migrate): SQLite drops a table's triggers when a migration rebuilds the table. On
PostgreSQL a migration that changes the type of a column the triggers read (owner, stage,
probability, amount, deleted_at) must drop them first (`uninstall`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, connections, models, transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from crm.scoping import scoped

from .stages import ByOutcome, Stage

DEALS = "opportunities_opportunity"
TOTALS = "opportunities_dealtotal"


def _changed(differs: str) -> str:
    """A change of any of these moves a deal's share from one total to another (`differs`: the
    database's null-safe "not equal")."""
    return (
        f"OLD.owner_id {differs} NEW.owner_id OR OLD.stage_id {differs} NEW.stage_id"
        f" OR OLD.probability {differs} NEW.probability OR OLD.amount {differs} NEW.amount"
        " OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)"
    )


def _add(row: str, sign: str) -> str:
    """The statement that adds (`+`) or takes away (`-`) deal `row`'s (NEW or OLD) share."""
    values = f"{row}.owner_id, {row}.stage_id, {row}.probability, {sign}1, {sign}{row}.amount"
    return (
        f"INSERT INTO {TOTALS} (owner_id, stage_id, probability, n, amount) SELECT {values} "
        f"WHERE {row}.deleted_at IS NULL "
        f"ON CONFLICT (owner_id, stage_id, probability) "
        f"DO UPDATE SET n = {TOTALS}.n + excluded.n, amount = {TOTALS}.amount + excluded.amount"
    )


OPERATIONS = ("insert", "update", "delete")

POSTGRESQL = [
    f"""
CREATE OR REPLACE FUNCTION crm_deal_totals() RETURNS trigger AS $$
BEGIN
    -- Both shares in the order of their keys, so two moves of one owner's deals in opposite
    -- directions lock the two totals in the same order.
    IF TG_OP = 'INSERT' THEN
        {_add("NEW", "")};
    ELSIF TG_OP = 'DELETE' THEN
        {_add("OLD", "-")};
    ELSIF ROW(OLD.owner_id, OLD.stage_id, OLD.probability) <= ROW(NEW.owner_id, NEW.stage_id, NEW.probability) THEN
        {_add("OLD", "-")};
        {_add("NEW", "")};
    ELSE
        {_add("NEW", "")};
        {_add("OLD", "-")};
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
""",
    f'CREATE TRIGGER "deal_totals_insert" AFTER INSERT ON {DEALS} FOR EACH ROW '
    f"WHEN (NEW.deleted_at IS NULL) EXECUTE FUNCTION crm_deal_totals()",
    f'CREATE TRIGGER "deal_totals_update" AFTER UPDATE ON {DEALS} FOR EACH ROW '
    f"WHEN ({_changed('IS DISTINCT FROM')}) EXECUTE FUNCTION crm_deal_totals()",
    f'CREATE TRIGGER "deal_totals_delete" AFTER DELETE ON {DEALS} FOR EACH ROW '
    f"WHEN (OLD.deleted_at IS NULL) EXECUTE FUNCTION crm_deal_totals()",
    f"""
CREATE OR REPLACE FUNCTION crm_deal_totals_truncate() RETURNS trigger AS $$
BEGIN
    DELETE FROM {TOTALS};
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
""",
    f'CREATE TRIGGER "deal_totals_truncate" AFTER TRUNCATE ON {DEALS} '
    f"FOR EACH STATEMENT EXECUTE FUNCTION crm_deal_totals_truncate()",
]
POSTGRESQL_DROP = [f'DROP TRIGGER IF EXISTS "deal_totals_{op}" ON {DEALS}' for op in (*OPERATIONS, "truncate")] + [
    "DROP FUNCTION IF EXISTS crm_deal_totals()",
    "DROP FUNCTION IF EXISTS crm_deal_totals_truncate()",
]

# SQLite: the same statements, one trigger per operation (SQLite's upsert after INSERT ... SELECT
# needs the WHERE it has; `IS NOT` is its null-safe "not equal" on every version, where
# `IS DISTINCT FROM` needs 3.39).
SQLITE = [
    f"CREATE TRIGGER deal_totals_insert AFTER INSERT ON {DEALS} FOR EACH ROW "
    f"WHEN NEW.deleted_at IS NULL BEGIN {_add('NEW', '')}; END",
    f"CREATE TRIGGER deal_totals_update AFTER UPDATE ON {DEALS} FOR EACH ROW "
    f"WHEN {_changed('IS NOT')} BEGIN {_add('OLD', '-')}; {_add('NEW', '')}; END",
    f"CREATE TRIGGER deal_totals_delete AFTER DELETE ON {DEALS} FOR EACH ROW "
    f"WHEN OLD.deleted_at IS NULL BEGIN {_add('OLD', '-')}; END",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS deal_totals_{op}" for op in OPERATIONS]


def install(apps, schema_editor) -> None:
    """Create the triggers and fill the totals from the deals (a migration's RunPython)."""
    _install(schema_editor.connection)


def uninstall(apps, schema_editor) -> None:
    drop = {"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}.get(schema_editor.connection.vendor, [])
    for sql in drop:
        schema_editor.execute(sql, params=None)


def reinstall(using: str = "default", **kwargs) -> None:
    """After every `migrate` (post_migrate): the triggers again and the totals rebuilt, in one
    transaction. Nothing before the tables exist (a migration back to an earlier state)."""
    conn = connections[using]
    if not {DEALS, TOTALS} <= set(conn.introspection.table_names()):
        return
    with transaction.atomic(using=using):
        _install(conn)


def _install(conn) -> None:
    statements = {"postgresql": POSTGRESQL_DROP + POSTGRESQL, "sqlite": SQLITE_DROP + SQLITE}.get(conn.vendor)
    if statements is None:
        raise NotImplementedError(f"No running-totals triggers for {conn.vendor}.")
    with conn.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    rebuild(conn)


def rebuild(using=None) -> int:
    """Recompute every total from the live deals; returns how many totals there are. Call it in a
    transaction: on PostgreSQL the deal table is locked against writes until it commits, so no
    deal changes between the wipe and the sums."""
    conn = using or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {DEALS} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {TOTALS}")
        cursor.execute(
            f"INSERT INTO {TOTALS} (owner_id, stage_id, probability, n, amount) "
            f"SELECT owner_id, stage_id, probability, COUNT(*), SUM(amount) FROM {DEALS} "
            f"WHERE deleted_at IS NULL GROUP BY owner_id, stage_id, probability"
        )
        return cursor.rowcount


class DealTotalQuerySet(ByOutcome, models.QuerySet):
    def visible_to(self, user) -> DealTotalQuerySet:
        """The totals of the owners whose deals `user` sees (as `Opportunity.objects.visible_to`)."""
        return scoped(self, user)

    def figures(self) -> dict:
        """Count, amount and weighted amount of these totals, as `OpportunityQuerySet.totals`
        gives them for the same deals."""
        from .opportunity import weighted_totals

        return weighted_totals(self.order_by().values("probability").annotate(n=Sum("n"), amount=Sum("amount")))


class DealTotal(models.Model):
    """How many live deals one owner has in one stage at one probability, and their amount."""

    # No database constraint: a total outlives nothing it counts (the deals protect their owner
    # and stage), and one left at zero must not stop a user or a stage without deals going.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the key's unique index leads with the owner
        related_name="+",
    )
    stage = models.ForeignKey(
        Stage,
        verbose_name=_("stage"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    probability = models.PositiveSmallIntegerField(_("probability (%)"))
    n = models.IntegerField(_("deals"), default=0)
    amount = models.DecimalField(_("amount"), max_digits=24, decimal_places=2, default=0)

    objects = DealTotalQuerySet.as_manager()

    class Meta:
        verbose_name = _("running deal total")
        verbose_name_plural = _("running deal totals")
        constraints = [models.UniqueConstraint(fields=["owner", "stage", "probability"], name="deal_total_key")]

    def __str__(self) -> str:
        return f"{self.owner_id}/{self.stage_id}/{self.probability}%: {self.n}"
