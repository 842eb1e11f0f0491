"""Customer pages: the list and the customer with contacts, deals, lifetime won value, history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import capfirst
from django.views.decorators.http import require_POST
from django_filters.views import FilterView

from audit.display import describe
from audit.models import FieldChange
from crm.softdelete import move_to_bin_response
from opportunities.models import Activity, Opportunity, Stage

from .filters import CustomerFilter
from .models import Contact, Customer

if TYPE_CHECKING:
    from accounts.models import User

HISTORY_LIMIT = 30
DEALS_LIMIT = 50


def get_customer_for(user: User, pk: int) -> Customer:
    """The customer with this id if `user` may see it, else 404."""
    return get_object_or_404(Customer.objects.visible_to(user).select_related("owner"), pk=pk)


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


def customer_history(customer: Customer, contacts: list[Contact]) -> list:
    """The customer's field changes and its contacts', newest first, in words (each contact's
    entries labelled with its name). Two queries plus one per related model named."""
    contact_type = ContentType.objects.get_for_model(Contact)
    rows = (
        FieldChange.objects.filter(
            Q(content_type=ContentType.objects.get_for_model(Customer), object_id=customer.pk)
            | Q(content_type=contact_type, object_id__in=[c.pk for c in contacts])
        )
        .newest_first()
        .select_related("changed_by")[:HISTORY_LIMIT]
    )
    label = capfirst(Contact._meta.verbose_name)
    return describe(rows, records={(contact_type.pk, c.pk): f"{label} {c.name}" for c in contacts})


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
    contacts = list(customer.contacts.all())
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "contacts": contacts,
            "changes": customer_history(customer, contacts),
            "open_deals": deals.open().order_by("-weighted", "-pk")[:DEALS_LIMIT],
            "closed_deals": deals.exclude(stage__outcome=Stage.Outcome.OPEN).order_by("-closed_at", "-pk")[
                :DEALS_LIMIT
            ],
            "won_value": won_value,
            "history": history,
        },
    )


@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer_for(request.user, pk)
    return move_to_bin_response(request, customer, reverse("customers:list"), back=customer.get_absolute_url())


@require_POST
def delete_contact(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.visible_to(request.user).select_related("customer"), pk=pk)
    return move_to_bin_response(request, contact, f"{contact.customer.get_absolute_url()}#contacts")
