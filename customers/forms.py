"""Customer and contact forms; edits are version-checked like the deal form."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import assignable_users
from crm.forms import BoundedForm
from opportunities.forms import VersionedModelForm

from .models import Contact, Customer

if TYPE_CHECKING:
    from accounts.models import User


class CustomerForm(VersionedModelForm):
    class Meta:
        model = Customer
        fields = [
            "name",
            "customer_type",
            "value_tier",
            "industry",
            "region",
            "owner",
            "phone",
            "email",
            "website",
            "address",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.is_admin or user.is_leader:
            self.fields["owner"].queryset = assignable_users(user)
            if not self.instance.pk:
                self.fields["owner"].initial = user.pk
        else:
            # A rep's new customer is theirs; handing one over is the leader's call.
            del self.fields["owner"]

    def save(self, commit: bool = True) -> Customer:
        if not self.instance.pk and not self.instance.owner_id:
            self.instance.owner = self.user
        return super().save(commit=commit)


class ContactForm(VersionedModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "buying_role", "attitude", "phone", "email", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class MergeForm(BoundedForm):
    # A number box, not a menu: a menu of every visible customer would list thousands for an
    # admin. The page links the likely duplicates, whose numbers it shows.
    duplicate = forms.ModelChoiceField(
        label=_("Number of the customer to merge into this one"),
        queryset=Customer.objects.none(),
        widget=forms.NumberInput(attrs={"min": 1}),
        help_text=_("Its deals, contacts and leads move here; then it is removed."),
        error_messages={"invalid_choice": _("No customer of yours has this number.")},
    )
    confirm = forms.BooleanField(label=_("I have checked that these are the same company"))

    def __init__(self, *args, survivor: Customer, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["duplicate"].queryset = Customer.objects.visible_to(user).exclude(pk=survivor.pk)
