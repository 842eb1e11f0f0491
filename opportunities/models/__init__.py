from .activity import Activity, Objection
from .approval import ApprovalRequest
from .evaluation import EvaluationWeights
from .forecast import category_expression, resolve_category
from .opportunity import (
    ErasedDeal,
    Opportunity,
    OpportunityQuerySet,
    StageChange,
    StageMoveRefused,
    weighted_amount_expr,
)
from .pipelines import Pipeline, QualificationFramework
from .qualification import MEDDIC, MeddicQualification
from .quota import Quota
from .stage_facts import StageFact
from .stages import Competitor, LossReason, Stage
from .totals import DealTotal

__all__ = [
    "MEDDIC",
    "Activity",
    "MeddicQualification",
    "ApprovalRequest",
    "Competitor",
    "DealTotal",
    "ErasedDeal",
    "EvaluationWeights",
    "LossReason",
    "Objection",
    "Opportunity",
    "Pipeline",
    "QualificationFramework",
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
