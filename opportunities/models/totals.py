"""Running totals of the live deals, per owner, stage and probability: the count and amount the
deal list, the board and my day show for a scope of any size, read from a few rows per owner
instead of summing every deal (an admin's 57,000 open deals: one row per owner and stage).

The database keeps them: a trigger on the deal table adds and takes away each row's share in
the transaction of every write that changes a deal's owner, stage, probability, amount or place
in the recycle bin, whatever wrote it (a save, a bulk update, an import, a raw statement), so
they are never behind a committed deal. A write that bypasses the triggers (a restore with
triggers disabled) is mended with `python manage.py rebuild_deal_totals`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, models
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from crm.scoping import owner_scope

from .stages import ByOutcome, Stage

DEALS = "opportunities_opportunity"
TOTALS = "opportunities_dealtotal"

# A change of any of these moves a deal's share from one total to another.
_CHANGED = (
    "OLD.owner_id IS DISTINCT FROM NEW.owner_id OR OLD.stage_id IS DISTINCT FROM NEW.stage_id"
    " OR OLD.probability IS DISTINCT FROM NEW.probability OR OLD.amount IS DISTINCT FROM NEW.amount"
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
    f"WHEN ({_CHANGED}) EXECUTE FUNCTION crm_deal_totals()",
    f'CREATE TRIGGER "deal_totals_delete" AFTER DELETE ON {DEALS} FOR EACH ROW '
    f"WHEN (OLD.deleted_at IS NULL) EXECUTE FUNCTION crm_deal_totals()",
]
POSTGRESQL_DROP = [f'DROP TRIGGER IF EXISTS "deal_totals_{op}" ON {DEALS}' for op in ("insert", "update", "delete")] + [
    "DROP FUNCTION IF EXISTS crm_deal_totals()"
]

# SQLite: the same statements, one trigger per operation (SQLite's upsert after INSERT ... SELECT
# needs the WHERE it has).
SQLITE = [
    f"CREATE TRIGGER deal_totals_insert AFTER INSERT ON {DEALS} FOR EACH ROW "
    f"WHEN NEW.deleted_at IS NULL BEGIN {_add('NEW', '')}; END",
    f"CREATE TRIGGER deal_totals_update AFTER UPDATE ON {DEALS} FOR EACH ROW "
    f"WHEN {_CHANGED} BEGIN {_add('OLD', '-')}; {_add('NEW', '')}; END",
    f"CREATE TRIGGER deal_totals_delete AFTER DELETE ON {DEALS} FOR EACH ROW "
    f"WHEN OLD.deleted_at IS NULL BEGIN {_add('OLD', '-')}; END",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS deal_totals_{op}" for op in ("insert", "update", "delete")]


def install(apps, schema_editor) -> None:
    """Create the triggers and fill the totals from the deals (a migration's RunPython)."""
    vendor = schema_editor.connection.vendor
    statements = {"postgresql": POSTGRESQL_DROP + POSTGRESQL, "sqlite": SQLITE_DROP + SQLITE}.get(vendor)
    if statements is None:
        raise NotImplementedError(f"No running-totals triggers for {vendor}.")
    for sql in statements:
        schema_editor.execute(sql, params=None)
    rebuild(schema_editor.connection)


def uninstall(apps, schema_editor) -> None:
    drop = {"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}.get(schema_editor.connection.vendor, [])
    for sql in drop:
        schema_editor.execute(sql, params=None)


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
        q = owner_scope(user)
        return self if q is None else self.filter(q)

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
