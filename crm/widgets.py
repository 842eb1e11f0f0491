"""Form widgets that render in Python.

Django renders a <select> through a template per option, which makes a filter form with a
few hundred owners (an admin's or a director's deal list) cost more than the page's SQL.
`QuickSelect` writes the same HTML (attributes, selected options, option groups) directly,
and for a model that says how to label a row from a few of its columns (`choice_label_fields`
and `choice_label`, as `User` does) it reads those columns instead of whole records.
"""

from __future__ import annotations

import html

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


def _escaped(value) -> str:
    """`conditional_escape`, without its per-call overhead (hundreds of options a page)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _options(options) -> str:
    """The <option> elements, as `format_html_join` over the options would write them."""
    return mark_safe(  # noqa: S308 - every value and label is escaped here, the attributes by flatatt
        "".join(
            '<option value="{}"{}>{}</option>'.format(
                _escaped("" if option["value"] is None else option["value"]),
                flatatt(option["attrs"]) if option["attrs"] else "",
                _escaped(option["label"]),
            )
            for option in options
        )
    )


def light_choices(choices) -> list | None:
    """A model choice field's options from the label columns alone (None: not possible here).

    Same options, same order and the same empty (and django-filter "null") entries as the
    field's own iterator, without building a model instance per option."""
    if not isinstance(choices, ModelChoiceIterator):
        return None
    field, model = choices.field, choices.queryset.model
    fields = getattr(model, "choice_label_fields", None)
    if (
        not fields
        or getattr(field, "to_field_name", None)
        or type(field).label_from_instance is not forms.ModelChoiceField.label_from_instance
        or choices.queryset._prefetch_related_lookups
    ):
        return None
    head = []
    if field.empty_label is not None:
        head.append(("", field.empty_label))
    if getattr(field, "null_label", None) is not None:
        head.append((field.null_value, field.null_label))
    return head + labelled(choices.queryset)


def labelled(queryset) -> list[tuple]:
    """(id, label) of each row, read from the model's `choice_label_fields` alone."""
    model = queryset.model
    return [(pk, model.choice_label(*rest)) for pk, *rest in queryset.values_list("pk", *model.choice_label_fields)]


class QuickSelect(forms.Select):
    """A `forms.Select` with the same markup, built without a template per option."""

    def render(self, name, value, attrs=None, renderer=None):
        light = light_choices(self.choices)
        if light is not None:
            self.choices = light  # this form's own copy of the widget
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">{}</optgroup>', group_name, _options(options)))
            else:
                parts.append(_options(options))
        attributes = dict(widget["attrs"], name=widget["name"])
        return format_html("<select{}>{}</select>", mark_safe(flatatt(attributes)), mark_safe("".join(parts)))  # noqa: S308


def quick_selects(filterset) -> None:
    """Give every single-choice filter of a FilterSet a `QuickSelect` (unless it chose a widget)."""
    import django_filters

    for item in filterset.filters.values():
        if (
            isinstance(item, django_filters.ChoiceFilter | django_filters.ModelChoiceFilter)
            and "widget" not in item.extra
        ):
            item.extra["widget"] = QuickSelect
