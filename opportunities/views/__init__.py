"""Deal pages: list and export, pipeline board, detail with its in-place actions."""

from .approvals import decide_approval, request_approval, withdraw_approval
from .board import board, move
from .common import get_opportunity_for
from .deletion import delete, delete_follow_up
from .detail import (
    OpportunityEditView,
    add_contact,
    add_objection,
    change_pipeline,
    detail,
    evaluate,
    follow_on,
    judge_forecast_category,
    log_follow_up,
    new_for_customer,
    resolve_objection,
    set_forecast_category,
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
    "decide_approval",
    "delete",
    "delete_follow_up",
    "detail",
    "evaluate",
    "export_csv",
    "follow_on",
    "get_opportunity_for",
    "judge_forecast_category",
    "log_follow_up",
    "move",
    "new_for_customer",
    "request_approval",
    "resolve_objection",
    "set_forecast_category",
    "update_contact",
    "withdraw_approval",
]
