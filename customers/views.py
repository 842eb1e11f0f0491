"""Customer pages: the list and the customer with contacts, deals, lifetime won value, history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_filters.views import FilterView

from opportunities.models import Activity, Opportunity, Stage

from .filters import CustomerFilter
from .models import Customer, PoolRule

if TYPE_CHECKING:
    from accounts.models import User

HISTORY_LIMIT = 30
DEALS_LIMIT = 50


def get_customer_for(user: User, pk: int) -> Customer:
    """The customer with this id if `user` may see it, else 404."""
    return get_object_or_404(Customer.objects.visible_to(user).select_related("owner__team"), pk=pk)


class CustomerListView(FilterView):
    template_name = "customers/list.html"
    paginate_by = 25
    context_object_name = "customers"

    def get_filterset(self, filterset_class):
        base = Customer.objects.visible_to(self.request.user).select_related("owner").order_by("name", "pk")
        return CustomerFilter(self.request.GET, queryset=base)

    def get_queryset(self):
        return Customer.objects.none()

    def get(self, request, *args, **kwargs):
        self.filterset = self.get_filterset(None)
        valid = not self.filterset.is_bound or self.filterset.is_valid()
        self.object_list = self.filterset.qs if valid else self.filterset.queryset.none()
        context = self.get_context_data(filter=self.filterset, object_list=self.object_list)
        # Lifetime won value for this page's customers only: one grouped query, not one per row.
        page = list(context["customers"])
        won = dict(
            Customer.objects.filter(pk__in=[c.pk for c in page])
            .with_won_value(request.user)
            .values_list("pk", "won_value")
        )
        for customer in page:
            customer.won_value = won.get(customer.pk)
        context["customers"] = page
        return self.render_to_response(context)


def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer_for(request.user, pk)
    deals = (
        Opportunity.objects.visible_to(request.user)
        .filter(customer=customer)
        .with_weighted()
        .select_related("stage", "owner", "loss_reason")
    )
    won_value = (
        Customer.objects.filter(pk=customer.pk).with_won_value(request.user).values_list("won_value", flat=True).get()
    )
    history = (
        Activity.objects.filter(opportunity__in=deals.values("pk"))
        .select_related("opportunity", "created_by")
        .order_by("-occurred_at", "-pk")[:HISTORY_LIMIT]
    )
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "contacts": customer.contacts.all(),
            "open_deals": deals.open().order_by("-weighted", "-pk")[:DEALS_LIMIT],
            "closed_deals": deals.exclude(stage__outcome=Stage.Outcome.OPEN).order_by("-closed_at", "-pk")[
                :DEALS_LIMIT
            ],
            "won_value": won_value,
            "history": history,
            "pool_events": customer.pool_events.select_related("user", "by")[:HISTORY_LIMIT],
            "may_release": customer.owner_id is not None
            and (
                customer.owner_id == request.user.pk
                or request.user.is_admin
                or (customer.owner.team_id and customer.owner.team.leader_id == request.user.pk)
            ),
        },
    )


class PoolView(FilterView):
    """The pool (公海): the customers of the user's team (a leader's teams, all for an admin)
    that have no owner, oldest in the pool first, with the user's claims against the cap."""

    template_name = "customers/pool.html"
    paginate_by = 25
    context_object_name = "customers"

    def get_queryset(self):
        return Customer.objects.none()

    def get(self, request, *args, **kwargs):
        base = (
            Customer.objects.in_pool_of(request.user)
            .select_related("team")
            .order_by(F("pooled_at").asc(nulls_first=True), "pk")
        )
        self.filterset = CustomerFilter(request.GET, queryset=base)
        valid = not self.filterset.is_bound or self.filterset.is_valid()
        self.object_list = self.filterset.qs if valid else base.none()
        context = self.get_context_data(filter=self.filterset, object_list=self.object_list)
        context["held"] = Customer.objects.filter(owner=request.user, claimed_at__isnull=False).count()
        context["cap"] = PoolRule.cap_for(request.user.team)
        return self.render_to_response(context)


@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer.objects.in_pool_of(request.user), pk=pk)
    try:
        customer.claim(request.user)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
        return redirect("customers:pool")
    messages.success(request, _("“%(customer)s” is now yours.") % {"customer": customer})
    return redirect(customer)


@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer_for(request.user, pk)
    try:
        customer.release(request.user)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
        return redirect(customer)
    messages.success(request, _("“%(customer)s” is back in the pool.") % {"customer": customer})
    return redirect("customers:pool")
