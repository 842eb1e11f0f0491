"""Deal pages: list and export, pipeline board, detail with its in-place actions."""

from .board import board, move
from .common import get_opportunity_for
from .detail import (
    OpportunityEditView,
    add_contact,
    add_objection,
    change_pipeline,
    detail,
    evaluate,
    follow_on,
    log_follow_up,
    new_for_customer,
    resolve_objection,
    update_contact,
)
from .lists import OpportunityListView, export_csv

__all__ = [
    "OpportunityEditView",
    "OpportunityListView",
    "add_contact",
    "add_objection",
    "board",
    "change_pipeline",
    "detail",
    "evaluate",
    "export_csv",
    "follow_on",
    "get_opportunity_for",
    "log_follow_up",
    "move",
    "new_for_customer",
    "resolve_objection",
    "update_contact",
]
