from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Job, Page


def pages(ctx: BenchContext) -> list[Page]:
    return [Page(f"import page ({role})", reverse("imports:upload"), user) for role, user in ctx.roles()]


def jobs(ctx: BenchContext) -> list[Job]:
    """Checking and importing 5,000 deals as the leader (rolled back after each repeat)."""
    from accounts.models import assignable_users

    from .benchmark import deals_csv
    from .importers import importer_for
    from .mapping import guess_mapping
    from .reading import read_table

    owners = list(assignable_users(ctx.leader).values_list("username", flat=True))
    headers, rows = read_table("bench.csv", deals_csv(5000, owners, seed=ctx.leader.pk))

    def run() -> None:
        importer = importer_for("opportunities", ctx.leader, headers, guess_mapping("opportunities", headers), "bench")
        plan = importer.plan(rows)
        assert not plan.errors, plan.errors[:3]
        importer.execute(plan)

    return [
        Job(
            "import 5,000 deals (leader)",
            run,
            repeat=1,
            prepare=lambda: None,
            dirties=(
                "opportunities_opportunity",
                "opportunities_dealtotal",
                "opportunities_stagechange",
                "audit_fieldchange",
                "customers_customer",
            ),
        )
    ]
