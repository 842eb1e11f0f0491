from .activity import Activity, Objection
from .approval import ApprovalRequest
from .forecast import category_expression, resolve_category
from .opportunity import Opportunity, OpportunityQuerySet, StageChange, StageMoveRefused, weighted_amount_expr
from .quota import Quota
from .stage_facts import StageFact
from .stages import Competitor, LossReason, Stage

__all__ = [
    "Activity",
    "ApprovalRequest",
    "Competitor",
    "LossReason",
    "Objection",
    "Opportunity",
    "OpportunityQuerySet",
    "Quota",
    "Stage",
    "StageChange",
    "StageFact",
    "StageMoveRefused",
    "category_expression",
    "resolve_category",
    "weighted_amount_expr",
]
