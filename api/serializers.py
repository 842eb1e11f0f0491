"""What the API returns (read serializers) and documents as request bodies.

Writes are validated and saved by the same forms and model methods as the web pages (see
`api.views`), so a rule holds the same way in the browser and over the API.
"""

from __future__ import annotations

from rest_framework import serializers

from customers.models import Contact, Customer
from leads.models import Lead
from notifications.models import Notification
from opportunities.models import Activity, LossReason, Opportunity, Stage


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "name", "name_en", "order", "probability", "outcome", "stale_after_days", "is_active"]


class LossReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = LossReason
        fields = ["id", "name", "name_en", "is_active"]


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "customer_type",
            "industry",
            "region",
            "value_tier",
            "owner",
            "phone",
            "website",
            "address",
            "notes",
            "created_at",
        ]


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "customer", "name", "title", "phone", "email", "buying_role", "attitude", "notes", "created_at"]


class LeadSerializer(serializers.ModelSerializer):
    bant_missing = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "name",
            "title",
            "company",
            "phone",
            "email",
            "customer_type",
            "industry",
            "region",
            "company_size",
            "source",
            "owner",
            "status",
            "score",
            "budget_amount",
            "budget_confirmed",
            "is_decision_maker",
            "decision_maker",
            "authority_confirmed",
            "need_description",
            "need_confirmed",
            "timeline_date",
            "timeline_confirmed",
            "notes",
            "bant_missing",
            "last_activity_at",
            "next_follow_up_at",
            "opportunity",
            "created_at",
            "updated_at",
            "version",
        ]


class OpportunitySerializer(serializers.ModelSerializer):
    weighted_amount = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "name",
            "customer",
            "owner",
            "stage",
            "probability",
            "amount",
            "weighted_amount",
            "expected_close_date",
            "close_date_push_count",
            "kind",
            "primary_contact",
            "source",
            "value_tier",
            "urgency",
            "buying_stage",
            "budget_amount",
            "budget_confirmed",
            "need_description",
            "need_confirmed",
            "timeline_confirmed",
            "competitors",
            "next_step",
            "next_follow_up_at",
            "last_activity_at",
            "stage_entered_at",
            "closed_at",
            "loss_reason",
            "review_notes",
            "is_quick_win",
            "created_at",
            "updated_at",
            "version",
        ]


class FollowUpSerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = [
            "id",
            "opportunity",
            "lead",
            "kind",
            "occurred_at",
            "summary",
            "outcome",
            "next_step",
            "next_follow_up_at",
            "spin_situation",
            "spin_problem",
            "spin_implication",
            "spin_need_payoff",
            "created_by",
            "created_at",
        ]


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "is_read", "created_at"]
        read_only_fields = fields


# --- Request bodies (documentation; the forms do the validating) -------------------------


_LEAD_READ_ONLY = {
    "id",
    "score",
    "bant_missing",
    "last_activity_at",
    "next_follow_up_at",
    "opportunity",
    "created_at",
    "updated_at",
}


class LeadWriteSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False, help_text="Required on update: the version you read.")

    class Meta:
        model = Lead
        fields = [f for f in LeadSerializer.Meta.fields if f not in _LEAD_READ_ONLY]


class OpportunityWriteSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(required=False, help_text="Required on update: the version you read.")

    class Meta:
        model = Opportunity
        fields = [
            "name",
            "customer",
            "owner",
            "amount",
            "expected_close_date",
            "primary_contact",
            "source",
            "value_tier",
            "urgency",
            "buying_stage",
            "budget_amount",
            "budget_confirmed",
            "need_description",
            "need_confirmed",
            "timeline_confirmed",
            "competitors",
            "next_step",
            "next_follow_up_at",
            "review_notes",
            "version",
        ]
        extra_kwargs = {"customer": {"help_text": "On create only: the customer the deal is for."}}


class FollowUpWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = [
            "opportunity",
            "lead",
            "kind",
            "occurred_at",
            "summary",
            "outcome",
            "next_step",
            "next_follow_up_at",
            "spin_situation",
            "spin_problem",
            "spin_implication",
            "spin_need_payoff",
        ]


class MoveSerializer(serializers.Serializer):
    stage = serializers.IntegerField(help_text="The id of the stage to move to.")
    loss_reason = serializers.IntegerField(required=False, allow_null=True, help_text="Required to enter Lost.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class MoveResultSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=["moved", "approval_requested"])
    opportunity = OpportunitySerializer()


class RefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()
    requirements = serializers.ListField(child=serializers.CharField(), required=False)
