from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Job, Page
from customers.models import Customer


def pages(ctx: BenchContext) -> list[Page]:
    rep_customer = ctx.sample(Customer.objects.visible_to(ctx.rep))
    leader_customer = ctx.sample(Customer.objects.visible_to(ctx.leader))
    return [
        Page("customers list (rep)", reverse("customers:list"), ctx.rep),
        Page("customers list (leader)", reverse("customers:list"), ctx.leader),
        Page("customer detail (rep)", reverse("customers:detail", args=[rep_customer]), ctx.rep),
        Page("customer detail (leader)", reverse("customers:detail", args=[leader_customer]), ctx.leader),
        Page("customer pool (rep)", reverse("customers:pool"), ctx.rep),
        Page("customer pool (leader)", reverse("customers:pool"), ctx.leader),
        Page("customer pool (admin)", reverse("customers:pool"), ctx.admin),
    ]


def jobs(ctx: BenchContext) -> list[Job]:
    from customers.pool import recall_idle_customers

    # Rolled back after each repeat, so every repeat scans the same customers.
    return [Job("customer pool recall scan", lambda: recall_idle_customers(), repeat=3, prepare=lambda: None)]
