"""Customer pages: the list, the customer with contacts, deals, lifetime won value, history;
creating (with the duplicate warning) and editing customers and their contacts; the duplicate
finder and the merge."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_filters.views import FilterView

from audit.display import describe
from audit.models import FieldChange
from crm.paging import IdsFirst
from crm.softdelete import move_to_bin_response
from opportunities.forms import EditConflict
from opportunities.models import Activity, Opportunity, Stage

from .filters import CustomerFilter
from .forms import ContactForm, CustomerForm, MergeForm
from .models import Contact, Customer, PoolRule

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

    def get_paginator(self, queryset, per_page, **kwargs):
        # A page's ids sorted by name first, then its rows with their owners (`IdsFirst`).
        return Paginator(IdsFirst(queryset, lambda rows: rows.select_related("owner")), per_page, **kwargs)

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
            "can_merge": Customer.can_merge(request.user),
            "can_edit": customer.can_edit(request.user),
            "pool_events": customer.pool_events.select_related("user", "by")[:HISTORY_LIMIT],
            "may_release": customer.owner_id is not None
            and (
                customer.owner_id == request.user.pk
                or request.user.is_admin
                or (customer.owner.team_id and customer.owner.team.leader_id == request.user.pk)
            ),
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


DUPLICATES_SHOWN = 10
DUPLICATE_GROUPS = 50


@require_http_methods(["GET", "POST"])
def customer_new(request: HttpRequest) -> HttpResponse:
    """A new customer. When it looks like one the user can already see (same name once legal
    suffixes are ignored, same phone or email), the form comes back with those customers linked
    and saves only when the user confirms it is a different company."""
    form = CustomerForm(request.POST or None, user=request.user)
    duplicates: list[Customer] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        duplicates = list(
            Customer.objects.visible_to(request.user)
            .likely_duplicates_of(name=data["name"], phone=data["phone"], email=data["email"])
            .select_related("owner")
            .order_by("name", "pk")[:DUPLICATES_SHOWN]
        )
        if not duplicates or request.POST.get("confirm_duplicate") == "1":
            customer = form.save()
            messages.success(request, _("Customer created."))
            return redirect(customer)
    return render(request, "customers/form.html", {"form": form, "duplicates": duplicates})


@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer_for(request.user, pk)
    if not customer.can_edit(request.user):
        raise PermissionDenied
    form = CustomerForm(request.POST or None, instance=customer, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            form.save()
        except EditConflict:
            form.add_conflict_error()
        else:
            messages.success(request, _("Customer saved."))
            return redirect(customer)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


@require_http_methods(["GET", "POST"])
def contact_new(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_customer_for(request.user, pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = form.save(commit=False)
        contact.customer = customer
        contact.save()
        messages.success(request, _("Contact added."))
        return redirect(f"{customer.get_absolute_url()}#contacts")
    return render(request, "customers/contact_form.html", {"form": form, "customer": customer})


@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    customer = get_customer_for(request.user, pk)
    contact = get_object_or_404(Contact.objects.filter(customer=customer), pk=contact_pk)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            form.save()
        except EditConflict:
            form.add_conflict_error()
        else:
            messages.success(request, _("Contact saved."))
            return redirect(f"{customer.get_absolute_url()}#contacts")
    return render(request, "customers/contact_form.html", {"form": form, "customer": customer, "contact": contact})


def duplicate_groups(user: User) -> list[dict]:
    """Visible customers that look like one company, grouped by normalised name, then by phone.

    Two queries whatever the number of customers: the members of every duplicated key among
    the visible customers (the visible set worked out once, a common table the two groupings
    share), then the customers shown, by id."""
    visible_sql, params = (
        Customer.objects.visible_to(user).values("pk", "name_key", "phone_key").order_by().query.sql_with_params()
    )
    groupings = (("name_key", _("Same name")), ("phone_key", _("Same phone")))
    doubled = " UNION ALL ".join(
        f"SELECT '{key}' AS kind, {key} AS value FROM visible WHERE {key} <> '' GROUP BY {key} HAVING COUNT(*) > 1"
        for key, _label in groupings
    )
    sql = (
        f"WITH visible (id, name_key, phone_key) AS ({visible_sql}), doubled (kind, value) AS ({doubled}) "
        "SELECT v.id, v.name_key, v.phone_key FROM visible v WHERE "
        + " OR ".join(f"v.{key} IN (SELECT value FROM doubled WHERE kind = '{key}')" for key, _label in groupings)
    )
    with connections[Customer.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    chosen: list[tuple[str, str, list[int]]] = []
    for index, (_key, label) in enumerate(groupings):
        members: dict[str, list[int]] = {}
        for row in rows:
            if row[index + 1]:
                members.setdefault(row[index + 1], []).append(row[0])
        biggest = sorted((value for value, ids in members.items() if len(ids) > 1), key=lambda v: (-len(members[v]), v))
        chosen += [(label, value, sorted(members[value])) for value in biggest[:DUPLICATE_GROUPS]]
    shown = Customer.objects.select_related("owner").in_bulk({pk for _l, _v, ids in chosen for pk in ids})
    # Links written from one reversed address each (a few hundred rows; `reverse` per row cost
    # more than the rest of a row).
    detail_head, _zero, detail_tail = reverse("customers:detail", args=[0]).rpartition("/0/")
    merge_head, _zero, merge_tail = reverse("customers:merge", args=[0]).rpartition("/0/")
    groups: list[dict] = []
    seen: set[frozenset] = set()
    for label, _value, ids in chosen:
        if frozenset(ids) not in seen:
            seen.add(frozenset(ids))
            customers = [shown[pk] for pk in ids]
            for customer in customers:
                customer.url = f"{detail_head}/{customer.pk}/{detail_tail}"
            survivor = customers[0]
            groups.append(
                {
                    "reason": label,
                    "customers": customers,
                    "merge_url": f"{merge_head}/{survivor.pk}/{merge_tail}",
                    "merge_label": _("Merge into “%(name)s”") % {"name": survivor.name},
                }
            )
    return groups


def duplicates(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "customers/duplicates.html",
        {"groups": duplicate_groups(request.user), "can_merge": Customer.can_merge(request.user)},
    )


@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    """A leader or admin folds a duplicate into this customer (`Customer.merge`)."""
    survivor = get_customer_for(request.user, pk)
    if not Customer.can_merge(request.user):
        raise PermissionDenied
    initial = {"duplicate": request.GET.get("duplicate")} if request.method == "GET" else None
    form = MergeForm(request.POST or None, initial=initial, survivor=survivor, user=request.user)
    if request.method == "POST" and form.is_valid():
        duplicate = form.cleaned_data["duplicate"]
        try:
            moved = survivor.merge(duplicate, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("“%(other)s” merged into “%(customer)s”: %(deals)s deals, %(contacts)s contacts moved.")
                % {
                    "other": duplicate.name,
                    "customer": survivor.name,
                    "deals": moved.get("opportunity", 0),
                    "contacts": moved.get("contact", 0),
                },
            )
            return redirect(survivor)
    likely = (
        Customer.objects.visible_to(request.user)
        .likely_duplicates_of(name=survivor.name, phone=survivor.phone, email=survivor.email)
        .exclude(pk=survivor.pk)
        .select_related("owner")[:DUPLICATES_SHOWN]
    )
    return render(request, "customers/merge.html", {"customer": survivor, "form": form, "likely": likely})


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
