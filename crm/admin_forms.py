"""The admin's edit-conflict check: the same optimistic `version` as the application's forms.

A change form carries the version it was opened at (`seen_version`). Saving locks the row in
the admin's transaction, refuses with the same message as the app when the row has moved on
(a rep saved, logged a follow-up or moved the stage in between), and bumps the version, so a
rep's form opened before the admin's save is refused in turn.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .forms import BoundedModelForm


def conflict_message():
    """One wording for the app and the admin."""
    from opportunities.forms import VersionedModelForm

    return VersionedModelForm.CONFLICT_MESSAGE


class VersionedAdminForm(BoundedModelForm):
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            model = type(self.instance)
            # Locked until the admin's transaction ends, so nobody saves between this check and the save.
            current = (
                model._default_manager.select_for_update().values_list("version", flat=True).get(pk=self.instance.pk)
            )
            if cleaned.get("seen_version") != current:
                raise ValidationError(conflict_message(), code="edit_conflict")
            self.current_version = current
        return cleaned


class VersionedAdminMixin:
    """For the ModelAdmin of every model with a `version`: check it and bump it on save."""

    form = VersionedAdminForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        names = {name for _title, options in fieldsets for name in options.get("fields", ())}
        if "seen_version" not in names:
            title, options = fieldsets[0]
            fieldsets[0] = (title, {**options, "fields": [*options["fields"], "seen_version"]})
        return fieldsets

    def save_model(self, request, obj, form, change):
        if change:
            current = getattr(form, "current_version", None)
            if current is None:  # a save without the change form (a list edit): still moves the version
                current = (
                    type(obj)._default_manager.select_for_update().values_list("version", flat=True).get(pk=obj.pk)
                )
            obj.version = current + 1
        super().save_model(request, obj, form, change)
