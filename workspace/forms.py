"""Forms of the workspace pages: bulk actions, hand-over, saved views."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User, assignable_users
from crm.forms import ID_MAX, BoundedForm, BoundedModelForm
from opportunities.forms import date_input

from .models import SavedView


class IdsField(forms.Field):
    """The ids of the rows ticked in a list (any integers: the view keeps the visible ones)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": _("Select some rows first."), "invalid": _("The selection is not valid.")}

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        try:
            ids = [int(v) for v in value][:5000]
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if any(abs(i) > ID_MAX for i in ids):  # no database key is that large
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return ids


class BulkForm(BoundedForm):
    class Action:
        REASSIGN = "reassign"
        FOLLOW_UP = "follow_up"
        EXPORT = "export"

    ACTIONS = [
        (Action.FOLLOW_UP, _("Set the next follow-up date")),
        (Action.REASSIGN, _("Reassign to")),
        (Action.EXPORT, _("Export the selection (CSV)")),
    ]

    action = forms.ChoiceField(label=_("With the selected"), choices=ACTIONS)
    ids = IdsField()
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=User.objects.none(), required=False)
    follow_up_on = forms.DateField(label=_("Next follow-up on"), required=False, widget=date_input())

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_users(user)

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action == self.Action.REASSIGN and not cleaned.get("owner"):
            self.add_error("owner", _("Choose who takes the selected records."))
        if action == self.Action.FOLLOW_UP and not cleaned.get("follow_up_on"):
            self.add_error("follow_up_on", _("Choose the date of the next follow-up."))
        return cleaned


class HandOverForm(BoundedForm):
    leaver = forms.ModelChoiceField(
        label=_("Who is leaving"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        help_text=_("Their account is deactivated."),
    )
    to = forms.ModelChoiceField(
        label=_("Hand their open work to"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        help_text=_("Receives their open leads, open deals and customers; each transfer is recorded."),
    )


class SavedViewForm(BoundedModelForm):
    class Meta:
        model = SavedView
        fields = ["page", "name", "query"]
        widgets = {"query": forms.HiddenInput, "page": forms.HiddenInput}
