"""Form fields written in Python carry the same markup as crispy-forms' Bootstrap 5 fields:
labels, widget classes, required marks, errors, help text and hidden initial values."""

from __future__ import annotations

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.utils import timezone

from crm.templatetags.crm import quick_field
from crm.widgets import QuickSelect

from .test_quick_select import parsed


class Sample(forms.Form):
    name = forms.CharField(label="Name <b>", help_text="As on the <em>contract</em>", max_length=20)
    notes = forms.CharField(widget=forms.Textarea, required=False)
    amount = forms.DecimalField(required=False, min_value=0)
    kind = forms.ChoiceField(choices=[("a", "A & B"), ("c", "C")], widget=QuickSelect)
    when = forms.DateTimeField(initial=timezone.now, show_hidden_initial=True, required=False)
    month = forms.CharField(widget=forms.TextInput(attrs={"type": "month", "class": "narrow"}), required=False)
    agreed = forms.BooleanField(required=False)  # crispy's own layout (a check box)


def test_each_field_reads_as_crispy_writes_it_valid_or_not():
    for form in (Sample(), Sample({"name": "x" * 30, "amount": "-5", "kind": "zz", "month": "2026-13"})):
        form.is_valid()
        for field in form:
            ours, crispy = str(quick_field(field)), str(as_crispy_field(field))
            assert parsed(ours) == parsed(crispy), field.name
    bad = Sample({"name": "x" * 30, "kind": "zz"})
    html = str(quick_field(bad["name"]))
    assert "is-invalid" in html and "invalid-feedback" in html and "Name &lt;b&gt;" in html
