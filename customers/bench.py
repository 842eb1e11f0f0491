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
        Page("new customer (rep)", reverse("customers:new"), ctx.rep),
        Page("customer edit (rep)", reverse("customers:edit", args=[rep_customer]), ctx.rep),
        Page("customer edit (leader)", reverse("customers:edit", args=[leader_customer]), ctx.leader),
        Page("customer edit (admin)", reverse("customers:edit", args=[leader_customer]), ctx.admin),
        Page("duplicate finder (rep)", reverse("customers:duplicates"), ctx.rep),
        Page("duplicate finder (leader)", reverse("customers:duplicates"), ctx.leader),
        Page("duplicate finder (admin)", reverse("customers:duplicates"), ctx.admin),
        Page("merge customers (leader)", reverse("customers:merge", args=[leader_customer]), ctx.leader),
        Page("merge customers (admin)", reverse("customers:merge", args=[leader_customer]), ctx.admin),
    ]
