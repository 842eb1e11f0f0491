from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from crm.forms import BoundedForm

from .mapping import fields_for
from .models import ImportJob, Kind, kinds_for


class UploadForm(BoundedForm):
    kind = forms.ChoiceField(label=_("Records"))
    file = forms.FileField(label=_("CSV or Excel (.xlsx) file"))

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        allowed = kinds_for(user)
        self.fields["kind"].choices = [(value, label) for value, label in Kind.choices if value in allowed]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_FILE_SIZE:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.")
                % {"limit": round(settings.IMPORT_MAX_FILE_SIZE / 1048576, 1)}
            )
        if not upload.name.lower().endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


class MappingForm(BoundedForm):
    """One choice per column of the file: the field it fills, or nothing."""

    def __init__(self, *args, job: ImportJob, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.job = job
        fields = fields_for(job.kind)
        choices = [("", _("— do not import —"))] + [(f.name, f"{f.label}{' *' if f.required else ''}") for f in fields]
        self.required_fields = {f.name: f.label for f in fields if f.required}
        for index, header in enumerate(job.headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header or _("Column %(number)d") % {"number": index + 1},
                choices=choices,
                required=False,
                initial=job.mapping.get(str(index), ""),
            )

    def clean(self):
        data = super().clean()
        used: dict[str, str] = {}
        for name, value in data.items():
            if not value:
                continue
            if value in used:
                self.add_error(name, _("“%(field)s” is already chosen for another column.") % {"field": value})
            used[value] = name
        missing = [str(label) for field, label in self.required_fields.items() if field not in used]
        if missing:
            raise forms.ValidationError(_("Choose a column for: %(fields)s.") % {"fields": ", ".join(missing)})
        return data

    def mapping(self) -> dict[str, str]:
        return {name.removeprefix("column_"): value for name, value in self.cleaned_data.items() if value}
