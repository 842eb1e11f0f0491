"""Formatting shared by every page: money in the installation's currency, percentages."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.conf import settings
from django.utils.formats import number_format

register = template.Library()

SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"}


@register.filter
def money(value, decimals: int = 0) -> str:
    """¥1,234,567 — the currency symbol of CRM_CURRENCY and the active language's separators."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    symbol = SYMBOLS.get(settings.CRM_CURRENCY, settings.CRM_CURRENCY + " ")
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{number_format(abs(amount), int(decimals), force_grouping=True)}"


@register.filter
def percent(value) -> str:
    if value is None:
        return "—"
    return f"{number_format(value, 0)} %"


@register.simple_tag(takes_context=True)
def nav_active(context, name: str) -> str:
    """ "active" for the header item of the current section (the board is its own section)."""
    match = getattr(context.get("request"), "resolver_match", None)
    if match is None:
        return ""
    current = match.view_name
    if current == name:
        return "active"
    namespace = name.split(":")[0]
    if name.endswith(":list") and match.namespace == namespace and current != "opportunities:board":
        return "active"
    return ""


@register.simple_tag
def idempotency_key() -> str:
    """The hidden idempotency key of a hand-written form that creates a record
    (`crm.idempotency`); forms built on `crm.forms.CreateForm` carry it themselves."""
    from django.utils.html import format_html

    from crm.forms import IDEMPOTENCY_FIELD, new_key

    return format_html('<input type="hidden" name="{}" value="{}">', IDEMPOTENCY_FIELD, new_key())


@register.filter
def quick_field(field):
    """A form field as crispy-forms' Bootstrap 5 `as_crispy_field` writes it (wrapper, label,
    widget classes, errors, help text), built in Python: crispy's nested templates cost a few
    milliseconds a field, and a filter form has ten. Fields crispy lays out otherwise (hidden,
    check boxes, radio and multiple-check lists, files, composite widgets, a form helper) go
    to crispy itself."""
    from django import forms
    from django.utils.html import format_html, format_html_join
    from django.utils.safestring import mark_safe

    widget = field.field.widget
    if (
        field.is_hidden
        or getattr(field.form, "helper", None) is not None
        or isinstance(
            widget,
            forms.CheckboxInput
            | forms.RadioSelect
            | forms.CheckboxSelectMultiple
            | forms.FileInput
            | forms.MultiWidget,
        )
        or getattr(field, "use_fieldset", False)
    ):
        from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field

        return as_crispy_field(field)
    kind = widget.__class__.__name__.lower()
    css = widget.attrs.get("class", "")
    css = (css if kind in css else f"{css} {kind}") if css else kind
    for token in ("form-select" if isinstance(widget, forms.Select) else "form-control", "is-invalid"):
        if token == "is-invalid" and not field.errors:
            continue
        if token not in css.split():
            css += " " + token
    required = field.field.required
    label = ""
    if field.label:
        label = format_html(
            '<label{} class="form-label{}">{}{}</label>',
            format_html(' for="{}"', field.id_for_label) if field.id_for_label else "",
            " requiredField" if required else "",
            field.label,
            mark_safe('<span class="asteriskField">*</span>') if required else "",
        )
    errors = ""
    if field.errors:
        errors = format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>',
            getattr(field.errors, "field_id", None) or field.auto_id,
            format_html_join(
                "",
                '<p id="error_{}_{}"><strong>{}</strong></p>',
                ((n, field.auto_id, error) for n, error in enumerate(field.errors, 1)),
            ),
        )
    help_text = ""
    if field.help_text:
        help_text = format_html(
            '<div{} class="form-text">{}</div>',
            format_html(' id="{}_helptext"', field.auto_id) if field.auto_id else "",
            mark_safe(field.help_text),  # noqa: S308 - crispy writes help text unescaped too (|safe)
        )
    classes = field.css_classes()
    widget_html = field.as_widget(attrs={"class": css})
    if field.field.show_hidden_initial:  # as `str(field)` writes it
        widget_html += field.as_hidden(only_initial=True)
    return format_html(
        '<div id="div_{}" class="mb-3{}">{}{}{}{}</div>',
        field.auto_id,
        f" {classes}" if classes else "",
        label,
        widget_html,
        errors,
        help_text,
    )
