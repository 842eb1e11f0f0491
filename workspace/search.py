"""Global search across the leads, customers, contacts and deals a user may see.

Matches names, companies, phone numbers and emails, case-insensitively, in Chinese and Latin
alike. Queries of three characters or more match anywhere in the text (`icontains`); shorter
ones match from the start of a word's text (`istartswith`), which the same index serves. On
PostgreSQL both use the trigram GIN indexes of `workspace/migrations/0001_*` (pg_trgm on
`UPPER(column)`, the expression Django's case-insensitive lookups compare); on SQLite they are
plain scans, fine at development sizes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q

from customers.models import Contact, Customer
from leads.models import Lead
from opportunities.models import Opportunity

if TYPE_CHECKING:
    from accounts.models import User

PER_KIND = 10
MAX_QUERY = 100
# Deals are also found through their customer's name, phone or email: at most this many
# matching customers are looked up (then the deals on them, through the customer index).
CUSTOMER_IDS_FOR_DEALS = 200


@dataclass
class SearchResults:
    query: str
    leads: list = field(default_factory=list)
    customers: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    deals: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.leads) + len(self.customers) + len(self.contacts) + len(self.deals)


def _matches(fields: list[str], text: str) -> Q:
    lookup = "icontains" if len(text) >= 3 else "istartswith"
    q = Q()
    for name in fields:
        q |= Q(**{f"{name}__{lookup}": text})
    return q


def _newest_first(rows) -> list:
    return sorted(rows, key=lambda row: -row.pk)


def search(user: User, text: str, *, per_kind: int = PER_KIND) -> SearchResults:
    """Up to `per_kind` records of each kind that `user` may see (`visible_to`), newest first
    among those found. Five queries whatever the data size.

    The queries carry no ORDER BY on purpose: with one, PostgreSQL walks the primary key
    backwards filtering every row when it expects many matches; without, it reads the few
    matching rows from the trigram indexes (rare terms) or stops at the first ten (common ones).
    """
    # A NUL character (which PostgreSQL text cannot hold) separates words like a space.
    text = " ".join((text or "").replace("\x00", " ").split())[:MAX_QUERY]
    results = SearchResults(query=text)
    if not text:
        return results
    results.leads = _newest_first(
        Lead.objects.visible_to(user)
        .filter(_matches(["name", "company", "phone", "email"], text))
        .select_related("owner")
        .order_by()[:per_kind]
    )
    customer_match = _matches(["name", "phone", "email"], text)
    # The matches lead and each is checked against the visible customers as a set (the
    # trigram indexes find a rare term's few; a common term's first ten end the scan).
    results.customers = _newest_first(
        Customer.objects.visible_to(user, array_for_few=False)
        .filter(customer_match)
        .select_related("owner")
        .order_by()[:per_kind]
    )
    results.contacts = _newest_first(
        Contact.objects.visible_to(user)
        .filter(_matches(["name", "phone", "email"], text))
        .select_related("customer")
        .order_by()[:per_kind]
    )
    # The deal's own name, or its customer's: the customers are looked up first (their own
    # index) so the deal query stays an OR of two indexed conditions rather than a join.
    customer_ids = list(
        Customer.objects.filter(customer_match).order_by().values_list("pk", flat=True)[:CUSTOMER_IDS_FOR_DEALS]
    )
    results.deals = _newest_first(
        Opportunity.objects.visible_to(user)
        .filter(_matches(["name"], text) | Q(customer_id__in=customer_ids))
        .select_related("customer", "stage", "owner")
        .order_by()[:per_kind]
    )
    return results
