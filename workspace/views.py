"""Global search, bulk actions on the deal and lead lists, the leaver's hand-over, saved views."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.csv_export import streaming_csv_response
from leads.models import Lead
from opportunities.models import Opportunity
from opportunities.views.common import safe_next
from opportunities.views.lists import export_header

from . import bulk
from .forms import BulkForm, HandOverForm, SavedViewForm
from .models import SavedView
from .search import search


def search_page(request: HttpRequest) -> HttpResponse:
    results = search(request.user, request.GET.get("q", ""))
    return render(request, "workspace/search.html", {"results": results, "q": results.query})


def _bulk(request: HttpRequest, model, list_url: str) -> HttpResponse:
    """One endpoint per list: the selected ids are narrowed to the records the user may see,
    then one service call (`workspace.bulk`) does the work."""
    next_url = safe_next(request, list_url)
    form = BulkForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(next_url)
    records = model.objects.visible_to(request.user).filter(pk__in=form.cleaned_data["ids"])
    action = form.cleaned_data["action"]
    if action == BulkForm.Action.EXPORT:
        if model is Opportunity:
            return streaming_csv_response("opportunities-selection", export_header(), bulk.deal_csv_rows(records))
        header = [label for _key, label in bulk.LEAD_COLUMNS]
        return streaming_csv_response("leads-selection", header, bulk.lead_csv_rows(records))
    try:
        if action == BulkForm.Action.REASSIGN:
            count = bulk.reassign(records, form.cleaned_data["owner"], by=request.user)
            messages.success(
                request, _("%(count)s reassigned to %(owner)s.") % {"count": count, "owner": form.cleaned_data["owner"]}
            )
        else:
            count = bulk.set_next_follow_up(records, form.cleaned_data["follow_up_on"], by=request.user)
            messages.success(request, _("Next follow-up set on %(count)s open records.") % {"count": count})
    except PermissionDenied:
        raise
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(next_url)


@require_POST
def bulk_deals(request: HttpRequest) -> HttpResponse:
    return _bulk(request, Opportunity, reverse("opportunities:list"))


@require_POST
def bulk_leads(request: HttpRequest) -> HttpResponse:
    return _bulk(request, Lead, reverse("leads:list"))


@require_http_methods(["GET", "POST"])
def hand_over(request: HttpRequest) -> HttpResponse:
    """An admin deactivates a leaver and hands their open work to a colleague in one step."""
    if not request.user.is_admin:
        raise PermissionDenied
    form = HandOverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        leaver, to = form.cleaned_data["leaver"], form.cleaned_data["to"]
        try:
            moved = bulk.hand_over(leaver, to, by=request.user)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                _(
                    "%(leaver)s is deactivated; %(to)s now has their %(leads)s open leads, %(deals)s open deals "
                    "and %(customers)s customers."
                )
                % {"leaver": leaver, "to": to, **moved},
            )
            return redirect("workspace:hand_over")
    return render(request, "workspace/hand_over.html", {"form": form})


@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    """Save (or overwrite, by name) the current filters of a list or the board."""
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(safe_next(request, reverse("home")))
    data = form.cleaned_data
    query = "&".join(part for part in data["query"].split("&") if part and not part.startswith("page="))
    view, _created = SavedView.objects.update_or_create(
        owner=request.user, page=data["page"], name=data["name"].strip(), defaults={"query": query}
    )
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(view.get_absolute_url())


@require_POST
def delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    view = get_object_or_404(SavedView.objects.visible_to(request.user), pk=pk)
    page_url = reverse(SavedView.URL_NAMES[SavedView.Page(view.page)])
    view.delete()
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect(page_url)
