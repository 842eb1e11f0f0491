"""The quarter opening job (Celery beat and `python manage.py record_quarter_opening`): every deal
as it stood when the quarter opened, for the pipeline inspection since the start of the quarter.

The deals that existed then (binned ones too: a deal restored later is no newcomer) are read in
bounded batches by id, put back with the history written since (`asof.rewind`, the rule every
report that looks back uses) and inserted. The header and every row are written in one
transaction: a job killed mid-batch leaves nothing, and the inspection then undoes the history
itself as it does before the job has run. The unique quarter decides between two workers: the
second waits for the first and records nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from opportunities.models import Opportunity

from .models import OpeningDeal, QuarterOpening
from .periods import aware, quarter_start
from .queries.asof import field_changes_after, rewind, stage_changes_after
from .queries.inspection import COMPARED_FIELDS

BATCH_SIZE = 5000
INSERT_BATCH = 2000


@dataclass
class OpeningResult:
    quarter: dt.date
    recorded: bool
    deals: int = 0
    batches: int = 0
    # Why nothing was recorded: ALREADY, BY_ANOTHER_RUN or WAITING (see `record_opening`).
    reason: str = ""


ALREADY = "already recorded"
BY_ANOTHER_RUN = "recorded by another run at the same moment"
WAITING = "transactions begun before the quarter opened are still open; run again later"


def parse_quarter(text: str) -> dt.date:
    """`2025-Q2` (or any day in it, `2025-05-15`) -> the quarter's first day; ValueError else."""
    value = (text or "").strip().upper()
    try:
        if "-Q" in value:
            year, number = value.split("-Q")
            if not 1 <= int(number) <= 4:
                raise ValueError
            return dt.date(int(year), 3 * (int(number) - 1) + 1, 1)
        return quarter_start(dt.date.fromisoformat(value))
    except ValueError as exc:
        raise ValueError(f"Not a quarter (YYYY-Qn) or a day (YYYY-MM-DD): {text!r}") from exc


def record_opening(day: dt.date | None = None, *, rebuild: bool = False, batch_size: int = BATCH_SIZE) -> OpeningResult:
    """Record the opening of the quarter holding `day` (default: today's). A quarter already
    recorded is left as it is unless `rebuild`, or unless it was recorded for another moment
    (the installation's time zone changed since): then its rows are written afresh under the
    same header, in one transaction, so a page reading it meanwhile sees the old rows or the new.
    A quarter not yet begun is refused (ValueError)."""
    first = quarter_start(day or timezone.localdate())
    if first > timezone.localdate():
        raise ValueError("A quarter that has not begun cannot be recorded.")
    point = aware(first)
    if _open_since_before(point):
        return OpeningResult(first, recorded=False, reason=WAITING)
    try:
        with transaction.atomic():
            opening = QuarterOpening.objects.select_for_update().filter(quarter=first).first()
            if opening is None:
                opening = QuarterOpening.objects.create(quarter=first, point=point)
            elif rebuild or opening.point != point:
                opening.rows.all().delete()
                opening.point = point
            else:
                return OpeningResult(first, recorded=False, reason=ALREADY)
            deals, batches = _write_rows(opening, point, batch_size)
            opening.deals, opening.taken_at = deals, timezone.now()
            opening.save(update_fields=["point", "deals", "taken_at"])
    except IntegrityError:  # another run created the quarter's header first (and has committed)
        if QuarterOpening.objects.filter(quarter=first).exists():
            return OpeningResult(first, recorded=False, reason=BY_ANOTHER_RUN)
        raise
    return OpeningResult(first, recorded=True, deals=deals, batches=batches)


def _open_since_before(point: dt.datetime) -> bool:
    """Whether another transaction begun before `point` is still open (PostgreSQL): an import
    stamps its deals and history with the moment it began, so what it writes may belong before
    the quarter opened yet be committed after; recording then would miss it for good."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND xact_start < %s)",
            [point],
        )
        return cursor.fetchone()[0]


def _write_rows(opening: QuarterOpening, point: dt.datetime, batch_size: int) -> tuple[int, int]:
    """(rows written, batches read): each deal created by `point` put back as it stood then."""
    deals_then = Opportunity.all_objects.filter(created_at__lte=point).order_by("pk")
    last_pk, written, batches = 0, 0, 0
    while True:
        rows = list(deals_then.filter(pk__gt=last_pk).values("pk", *COMPARED_FIELDS)[:batch_size])
        if not rows:
            return written, batches
        batches += 1
        first, last_pk = rows[0]["pk"], rows[-1]["pk"]
        deals = rewind(
            {row["pk"]: row for row in rows},
            field_changes_after(point, fields=COMPARED_FIELDS, object_id__gte=first, object_id__lte=last_pk),
            # Every deal's moves, binned ones' too (the default manager leaves those out).
            stage_changes_after(point, opportunity_id__gte=first, opportunity_id__lte=last_pk, everyone=True),
        )
        kept = [
            OpeningDeal(
                opening=opening,
                opportunity_id=pk,
                stage_id=deal["stage_id"],
                amount=deal["amount"],
                expected_close_date=deal["expected_close_date"],
                forecast_category_override=deal["forecast_category_override"] or "",
                manager_category=deal["manager_category"] or "",
            )
            for pk, deal in deals.items()
            if deal["stage_id"] is not None  # not in a stage yet: it did not exist then
        ]
        OpeningDeal.objects.bulk_create(kept, batch_size=INSERT_BATCH)
        written += len(kept)
