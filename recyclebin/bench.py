from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Job, Page
from crm.softdelete import purge_expired


def pages(ctx: BenchContext) -> list[Page]:
    url = reverse("recyclebin:list")
    return [
        Page("recycle bin (rep)", url, ctx.rep),
        Page("recycle bin (leader)", url, ctx.leader),
        Page("recycle bin (admin)", url, ctx.admin),
    ]


def jobs(ctx: BenchContext) -> list[Job]:
    return [Job("recycle bin purge", purge_expired)]
