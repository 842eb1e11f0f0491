from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from crm.forms import BoundedModelForm
from notifications.models import EmailOptOut, Notification

from .models import User


class ProfileForm(BoundedModelForm):
    """Name, address and language, plus which kinds of notification arrive by email."""

    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("For the screens you see after saving, notifications and email."),
    )
    email_kinds = forms.MultipleChoiceField(
        label=_("Send me an email for"),
        required=False,
        choices=Notification.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every notification appears under the bell; these also arrive by email."),
    )

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Installation default"))] + list(settings.LANGUAGES)
        opted_out = set(EmailOptOut.objects.filter(user=self.instance).values_list("kind", flat=True))
        self.fields["email_kinds"].initial = [k for k in Notification.Kind.values if k not in opted_out]

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=commit)
        if commit:
            EmailOptOut.set_for(user, emailed_kinds=self.cleaned_data["email_kinds"])
        return user
