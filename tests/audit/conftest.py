from __future__ import annotations

import re

from django.forms import MultiWidget

from audit.models import FieldChange


def changes(record, field: str | None = None) -> dict[str, tuple]:
    """{field: (old, new, user)} of the record's "changed" rows (failing on a field written twice)."""
    rows = FieldChange.objects.for_object(record).filter(action=FieldChange.Action.CHANGED)
    if field:
        rows = rows.filter(field=field)
    found: dict[str, tuple] = {}
    for row in rows.select_related("changed_by"):
        assert row.field not in found, f"{row.field} written twice"
        found[row.field] = (row.old_value, row.new_value, row.changed_by)
    return found


def created_by(record):
    row = FieldChange.objects.for_object(record).get(action=FieldChange.Action.CREATED)
    return row.changed_by


def text(html: str) -> str:
    """The page's text as a reader sees it: no tags, single spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" ,", ",")


def admin_form_data(response) -> dict:
    """What the admin change form would post back unchanged (its fields and inline formsets)."""
    data: dict = {}

    def put(form):
        for name, field in form.fields.items():
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(field.widget, MultiWidget) and not isinstance(value, list):
                for i, part in enumerate(field.widget.decompress(value)):
                    if part is not None:
                        data[f"{key}_{i}"] = str(part)
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            elif value is not None:
                data[key] = str(value)

    put(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        put(formset.management_form)
        for form in formset.forms:
            put(form)
    return data
