"""What every form of the application shares: sane bounds on what is typed, and the
idempotency key that makes a form sent twice create one record."""

from __future__ import annotations

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.utils.translation import gettext

from .validation import INTEGER_MAX, TEXT_MAX_LENGTH, validate_amount_ceiling, validate_year_in_range

IDEMPOTENCY_FIELD = "idempotency_key"


class BoundedInputMixin:
    """Bounds every field of the form by its kind, so no form forgets one: dates and
    date-times within 1900-2200, amounts up to the admin's ceiling, whole numbers within an
    integer column, text up to
    `TEXT_MAX_LENGTH` where the field sets no narrower limit. (Django's CharField already
    refuses NUL characters.)"""

    unbounded_amount_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            bound_field(field, amount=name not in self.unbounded_amount_fields)


# The largest id a database key holds (a signed 64-bit integer); SQLite cannot even compare a
# larger number, so a choice beyond it is refused before any query.
ID_MAX = 2**63 - 1


def _ids_in_range(field: forms.ModelChoiceField):
    clean = field.clean

    def clean_in_range(value):
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            text = str(item).strip()
            if text.lstrip("-").isdigit() and abs(int(text)) > ID_MAX:
                raise ValidationError(gettext("Select a valid choice."), code="invalid_choice")
        return clean(value)

    return clean_in_range


def bound_field(field: forms.Field, *, amount: bool = True) -> None:
    if isinstance(field, forms.ModelChoiceField):  # and ModelMultipleChoiceField
        if field.to_field_name is None:
            field.clean = _ids_in_range(field)
    elif isinstance(field, forms.DateField | forms.DateTimeField | forms.SplitDateTimeField):
        if validate_year_in_range not in field.validators:
            field.validators.append(validate_year_in_range)
    elif isinstance(field, forms.DecimalField):
        if amount and validate_amount_ceiling not in field.validators:
            field.validators.append(validate_amount_ceiling)
    elif isinstance(field, forms.IntegerField) and field.max_value is None:
        # A count (employees, scores): the range of an integer column, the same on every database.
        field.max_value = INTEGER_MAX
        field.validators.append(MaxValueValidator(INTEGER_MAX))
    elif isinstance(field, forms.CharField) and field.max_length is None:
        field.max_length = TEXT_MAX_LENGTH
        field.validators.append(MaxLengthValidator(TEXT_MAX_LENGTH))
        if not field.widget.is_hidden:
            field.widget.attrs.setdefault("maxlength", str(TEXT_MAX_LENGTH))


class IdempotentFormMixin:
    """A hidden `idempotency_key`, new each time an unbound form is built (that is, rendered
    afresh). A resubmission of the same page sends the same key, which
    `crm.idempotency.submit_once` recognises. The key stays out of `cleaned_data`."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields[IDEMPOTENCY_FIELD] = forms.CharField(
            widget=forms.HiddenInput, required=False, initial=new_key, max_length=64
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned is not None:
            cleaned.pop(IDEMPOTENCY_FIELD, None)
        return cleaned


def new_key() -> str:
    return str(uuid.uuid4())


class BoundedForm(BoundedInputMixin, forms.Form):
    pass


class BoundedModelForm(BoundedInputMixin, forms.ModelForm):
    pass


class CreateForm(IdempotentFormMixin, BoundedForm):
    """A form whose submission creates a record."""


class CreateModelForm(IdempotentFormMixin, BoundedModelForm):
    """A model form whose submission creates (or saves) a record."""
