from __future__ import annotations

from django.urls import reverse

from crm.benchmark import BenchContext, Job, Page
from crm.scoping import scoped
from customers.models import Customer


def pages(ctx: BenchContext) -> list[Page]:
    result = []
    for role, user in ctx.roles():
        customer = ctx.sample(Customer.objects.visible_to(user))
        # One they may edit (their scope's own customers; another team's is read-only to them).
        editable = ctx.sample(scoped(Customer.objects.exclude(owner=None), user))
        result += [
            Page(f"customers list ({role})", reverse("customers:list"), user),
            Page(f"customer detail ({role})", reverse("customers:detail", args=[customer]), user),
            Page(f"new customer ({role})", reverse("customers:new"), user),
            Page(f"customer edit ({role})", reverse("customers:edit", args=[editable]), user),
            Page(f"duplicate finder ({role})", reverse("customers:duplicates"), user),
            Page(f"customer pool ({role})", reverse("customers:pool"), user),
        ]
        if Customer.can_merge(user):
            result.append(Page(f"merge customers ({role})", reverse("customers:merge", args=[customer]), user))
    return result


def jobs(ctx: BenchContext) -> list[Job]:
    from customers.pool import recall_idle_customers

    # Rolled back after each repeat, so every repeat scans the same customers.
    return [Job("customer pool recall scan", lambda: recall_idle_customers(), repeat=3, prepare=lambda: None)]
