"""What can be in the recycle bin: one entry per kind of record, in the order the page lists them."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    key: str
    label: str | Promise
    model_label: str
    # select_related for the row (owner and parent shown in the bin)
    related: tuple[str, ...]

    @property
    def model(self):
        return apps.get_model(self.model_label)


KINDS = (
    Kind("deal", _("Opportunity"), "opportunities.Opportunity", ("owner", "deleted_by", "customer")),
    Kind("lead", _("Lead"), "leads.Lead", ("owner", "deleted_by")),
    Kind("customer", _("Customer"), "customers.Customer", ("owner", "deleted_by")),
    Kind("contact", _("Contact"), "customers.Contact", ("customer__owner", "deleted_by")),
    Kind("follow_up", _("Follow-up"), "opportunities.Activity", ("opportunity__owner", "lead__owner", "deleted_by")),
    Kind("file", _("File"), "attachments.Attachment", ("opportunity__owner", "customer__owner", "deleted_by")),
)
BY_KEY = {kind.key: kind for kind in KINDS}
