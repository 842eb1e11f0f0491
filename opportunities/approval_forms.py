"""The approval forms of the notification list and the deal page's approval panel."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.forms import BoundedForm, CreateForm

from .models import Stage


class DecisionForm(BoundedForm):
    decision = forms.ChoiceField(
        label=pgettext_lazy("approval", "Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].error_messages["required"] = _("Choose approve or reject.")
        self.fields["decision"].error_messages["invalid_choice"] = _("Choose approve or reject.")


class ApprovalRequestForm(CreateForm):
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.all())
    note = forms.CharField(label=_("Note for the leader"), required=False, max_length=1000)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].error_messages["required"] = _("Choose the stage to request approval for.")
        self.fields["stage"].error_messages["invalid_choice"] = _("Choose the stage to request approval for.")
