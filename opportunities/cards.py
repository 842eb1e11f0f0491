"""The board card, written in Python.

A board shows up to a hundred cards, and through the template engine each cost about a
millisecond (two URL reversals, a dozen filters, two plural translations, the stage menu):
most of the board's time. Here the parts that only depend on the deal's stage (the "move to"
menu) are built once per stage and page, the URLs come from one reversal with the id put in,
and the rest is `format_html`, which escapes every value as the template did.
"""

from __future__ import annotations

import html
from datetime import datetime

from django.middleware.csrf import get_token
from django.template.defaultfilters import floatformat, urlencode
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext, ngettext

from crm.templatetags.crm import money

from .models import Opportunity, Stage
from .templatetags.deals import is_past

STAND_IN_ID = 2147480000  # reversed into a URL once a page, then replaced by each row's own id (`with_id`)


def with_id(url: str, pk: int) -> str:
    """A URL reversed with `STAND_IN_ID`, for the record `pk`."""
    return url.replace(str(STAND_IN_ID), str(pk))


class CardPage:
    """What every card of one page shares: URLs, the menus per stage, the CSRF field."""

    def __init__(self, request, *, stages: list[Stage], here: str, board_query: str, now: datetime, show_owner):
        self.stages, self.here, self.board_query, self.now = stages, here, board_query, now
        self.show_owner = bool(show_owner)
        self._move = reverse("opportunities:move", args=[STAND_IN_ID])
        self._detail = reverse("opportunities:detail", args=[STAND_IN_ID])
        self._csrf = (
            format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))
            if request is not None
            else ""
        )
        self._menus: dict[int, str] = {}
        self._here, self._board_query = esc(here), esc(board_query)
        self._labels = {
            "move": gettext("Move to stage"),
            "amount": gettext("Amount"),
            "weighted": gettext("Weighted value"),
            "days": gettext("Days in stage"),
            "stale": gettext("Stale"),
            "score": gettext("Evaluation score"),
            "owner": gettext("Owner"),
            "follow_up": gettext("Next follow-up"),
        }
        self._labels = {key: esc(text) for key, text in self._labels.items()}

    @classmethod
    def for_context(cls, context) -> CardPage:
        """One per request, kept on it (the board and a move's answer render cards this way)."""
        request = context.get("request")
        page = getattr(request, "_card_page", None) if request is not None else None
        if page is None:
            page = cls(
                request,
                stages=context["stages"],
                here=context.get("here", ""),
                board_query=context.get("board_query", ""),
                now=context.get("now"),
                show_owner=context.get("show_owner"),
            )
            if request is not None:
                request._card_page = page
        return page

    def url(self, template: str, pk: int) -> str:
        return with_id(template, pk)

    def menu(self, stage: Stage) -> str:
        """The "move to" menu of a deal in `stage`, with `{move_url}` left to fill in."""
        if stage.pk not in self._menus:
            here = self.here
            if stage.is_open:
                items = render_to_string(
                    "opportunities/_stage_menu_items.html", {"stages": self.stages, "current": stage.pk}
                )
                lost = "".join(
                    format_html(
                        '\n          <a class="dropdown-item js-ask-loss" href="{}?stage={}&amp;next={}" data-stage="{}">{}</a>',
                        STAND_IN_ID,
                        other.pk,
                        urlencode(here),
                        other.pk,
                        str(other),
                    )
                    for other in self.stages
                    if other.outcome == Stage.Outcome.LOST and other.pk != stage.pk
                )
                body = mark_safe(f'\n          <h6 class="dropdown-header">{self._labels["move"]}</h6>\n          ')  # noqa: S308
                body += mark_safe(items) + mark_safe(lost)  # noqa: S308 - rendered and escaped above
            else:
                # A closed deal is not moved freely: reopening asks for a reason and the leader's approval.
                body = format_html(
                    '\n          <a class="dropdown-item js-reopen" href="{}?next={}">{}</a>',
                    STAND_IN_ID,
                    urlencode(here),
                    gettext("Reopen…"),
                )
            self._menus[stage.pk] = str(body)
        return self._menus[stage.pk]

    def card(self, deal: Opportunity) -> SafeString:
        """The card's HTML: every value from the deal or the request goes through `esc`."""
        labels = self._labels  # already escaped
        pk = deal.pk
        move_url = esc(self.url(self._move, pk))
        stage = deal.stage
        name = esc(deal.name)
        stale = getattr(deal, "stale", False)
        days = deal.days_in_stage(self.now) if deal.stage_entered_at else ""
        days_text = esc(ngettext("%(days)s day", "%(days)s days", days) % {"days": days}) if days != "" else ""
        badges = [
            f'<span title="{labels["days"]}"><i class="bi bi-hourglass-split" aria-hidden="true"></i> {days_text}</span>'
        ]
        if stale:
            badges.append(f'<span class="badge text-bg-warning">{labels["stale"]}</span>')
        if deal.close_date_push_count:
            badges.append(pushes_badge(deal))
        if deal.evaluation_score is not None:
            score = esc(floatformat(deal.evaluation_score, 0))
            badges.append(
                f'<span class="badge text-bg-light border evaluation-score" title="{labels["score"]}">{score}/100</span>'
            )
        if self.show_owner:
            badges.append(
                f'<span title="{labels["owner"]}"><i class="bi bi-person" aria-hidden="true"></i> {esc(deal.owner)}</span>'
            )
        if deal.next_follow_up_at and stage.is_open:
            late = "text-danger" if is_past(deal.next_follow_up_at, self.now) else ""
            day = esc(date_format(template_localtime(deal.next_follow_up_at), "SHORT_DATE_FORMAT"))
            badges.append(
                f'<span class="{late}" title="{labels["follow_up"]}"><i class="bi bi-calendar-event" '
                f'aria-hidden="true"></i> {day}</span>'
            )
        hidden_name = esc(gettext("Move “%(name)s” to another stage") % {"name": deal.name})
        return mark_safe(  # noqa: S308 - every value above is escaped
            f'<article class="card board-card shadow-sm mb-2{" border-warning" if stale else ""}" id="card-{pk}" '
            f'data-id="{pk}" data-move-url="{move_url}" aria-label="{name}">\n  <div class="card-body p-2">\n'
            '    <div class="d-flex justify-content-between align-items-start gap-1">\n'
            f'      <a class="fw-semibold small board-card-title text-decoration-none" '
            f'href="{esc(self.url(self._detail, pk))}">{name}</a>\n'
            '      <div class="dropdown flex-shrink-0">\n'
            '        <button class="btn btn-sm btn-light py-0 px-1 stage-menu-toggle" type="button" '
            'data-bs-toggle="dropdown" data-bs-popper-config=\'{"strategy":"fixed"}\' aria-expanded="false" '
            f'title="{labels["move"]}">\n          <i class="bi bi-arrow-left-right" aria-hidden="true"></i>'
            f'<span class="visually-hidden">{hidden_name}</span>\n        </button>\n'
            f'        <form class="dropdown-menu dropdown-menu-end shadow" method="post" action="{move_url}" '
            f'hx-post="{move_url}" hx-swap="none">{self._csrf}\n'
            f'          <input type="hidden" name="next" value="{self._here}">'
            f'<input type="hidden" name="board_query" value="{self._board_query}">'
            f"{self.menu(stage).replace(str(STAND_IN_ID), move_url)}\n        </form>\n      </div>\n    </div>\n"
            f'    <div class="small text-body-secondary text-truncate">{esc(deal.customer)}</div>\n'
            '    <div class="d-flex justify-content-between small mt-1">\n'
            f'      <span title="{labels["amount"]}">{esc(money(deal.amount))}</span>\n'
            f'      <span class="fw-semibold" title="{labels["weighted"]}">{esc(money(deal.weighted))}</span>\n'
            "    </div>\n"
            '    <div class="d-flex flex-wrap gap-2 small mt-1 text-body-secondary">\n      '
            + "\n      ".join(badges)
            + "\n    </div>\n  </div>\n</article>"
        )


def esc(value) -> str:
    """What the template's autoescape does to a value (Django's `escape`, without its lazy wrapper)."""
    return html.escape(str(value), quote=True)


def pushes_badge(deal: Opportunity) -> str:
    """How often the close date moved later ("" when never): the board's cards and the list."""
    n = deal.close_date_push_count
    if not n:
        return ""
    return format_html(
        '<span class="badge close-pushes {}" title="{}"><i class="bi bi-calendar-x me-1" aria-hidden="true"></i>{}</span>',
        "text-bg-danger" if deal.close_date_is_fiction else "text-bg-light border",
        ngettext(
            "The expected close date was pushed later %(n)s time.",
            "The expected close date was pushed later %(n)s times.",
            n,
        )
        % {"n": n},
        ngettext("Pushed %(n)s×", "Pushed %(n)s×", n) % {"n": n},
    )
