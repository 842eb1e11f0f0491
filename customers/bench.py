from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Page
from customers.models import Customer


def pages(ctx: BenchContext) -> list[Page]:
    rep_customer = ctx.sample(Customer.objects.visible_to(ctx.rep))
    leader_customer = ctx.sample(Customer.objects.visible_to(ctx.leader))
    return [
        Page("customers list (rep)", reverse("customers:list"), ctx.rep),
        Page("customers list (leader)", reverse("customers:list"), ctx.leader),
        Page("customer detail (rep)", reverse("customers:detail", args=[rep_customer]), ctx.rep),
        Page("customer detail (leader)", reverse("customers:detail", args=[leader_customer]), ctx.leader),
    ]
