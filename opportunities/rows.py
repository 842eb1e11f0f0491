"""A row of the deal list, written in Python.

Through the template engine the list's 25 rows took about a fifth of the page's time (two URL
reversals, a dozen filters and a translation each), which bounds how many list pages a second a
server answers. Here the labels and URLs are worked out once per page and each row is a string
with every value escaped as the template's autoescape does (`cards.esc`); the markup is the
template's (tests read the list through it).
"""

from __future__ import annotations

from datetime import datetime

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext

from crm.templatetags.crm import money, percent

from .cards import STAND_IN_ID, esc, pushes_badge, with_id
from .models import Opportunity
from .templatetags.deals import is_past

NONE = "—"


class RowPage:
    """What every row of one list page shares: the URLs with a stand-in id, the labels."""

    def __init__(self, *, now: datetime, show_owner: bool):
        self.now, self.show_owner = now, show_owner
        self._deal = reverse("opportunities:detail", args=[STAND_IN_ID])
        self._customer = reverse("customers:detail", args=[STAND_IN_ID])
        self._stale = esc(gettext("Stale"))

    @classmethod
    def for_context(cls, context) -> RowPage:
        """One per request, kept on it."""
        request = context.get("request")
        page = getattr(request, "_row_page", None) if request is not None else None
        if page is None:
            flt = context.get("filter")
            page = cls(now=context.get("now"), show_owner=bool(getattr(flt, "sees_others", False)))
            if request is not None:
                request._row_page = page
        return page

    def row(self, deal: Opportunity) -> SafeString:
        pk, name = deal.pk, deal.name
        stage = deal.stage
        select = esc(gettext("Select %(name)s") % {"name": name})
        stale = (
            f'<span class="badge text-bg-warning ms-1">{self._stale}</span>' if getattr(deal, "stale", False) else ""
        )
        owner = f"<td>{esc(deal.owner)}</td>" if self.show_owner else ""
        score = esc(floatformat(deal.evaluation_score, 0)) if deal.evaluation_score is not None else NONE
        close = esc(date_format(deal.expected_close_date, "SHORT_DATE_FORMAT")) if deal.expected_close_date else NONE
        activity = (
            esc(date_format(template_localtime(deal.last_activity_at), "SHORT_DATE_FORMAT"))
            if deal.last_activity_at
            else NONE
        )
        if deal.next_follow_up_at:
            late = "text-danger fw-semibold" if is_past(deal.next_follow_up_at, self.now) and stage.is_open else ""
            when = esc(date_format(template_localtime(deal.next_follow_up_at), "SHORT_DATETIME_FORMAT"))
            follow_up = f'<span class="{late}">{when}</span>'
        else:
            follow_up = NONE
        customer = deal.customer
        return mark_safe(  # noqa: S308 - every value above is escaped
            "\n        <tr>\n"
            f'          <td><input class="form-check-input" type="checkbox" name="ids" value="{pk}" '
            f'form="bulk-form" aria-label="{select}"></td>\n'
            f'          <td class="wrap"><a href="{with_id(self._deal, pk)}" '
            f'class="fw-semibold">{esc(name)}</a>\n            {stale}</td>\n'
            f'          <td class="wrap"><a class="link-secondary" '
            f'href="{with_id(self._customer, customer.pk)}">{esc(customer)}</a></td>\n'
            f'          <td>{esc(stage)} <span class="text-body-secondary small">{esc(percent(deal.probability))}</span></td>'
            f"\n          {owner}\n"
            f'          <td class="text-end">{esc(money(deal.amount))}</td>\n'
            f'          <td class="text-end fw-semibold">{esc(money(deal.weighted))}</td>\n'
            f'          <td class="text-end">{score}</td>\n'
            f"          <td>{close} {pushes_badge(deal)}</td>\n"
            f"          <td>{activity}</td>\n"
            f"          <td>{follow_up}</td>\n"
            "        </tr>"
        )
