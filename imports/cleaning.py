"""Turning one cell's text into a field value, or a reason in words why it cannot be."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _


class BadCell(ValueError):
    pass


_MONEY_NOISE = re.compile(r"[,，\s¥￥$€元]|CNY|RMB", re.IGNORECASE)
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%d/%m/%Y")


def money(text: str) -> Decimal:
    raw = _MONEY_NOISE.sub("", text)
    factor = Decimal(1)
    if raw.endswith("万"):
        raw, factor = raw[:-1], Decimal(10_000)
    elif raw.endswith("亿"):
        raw, factor = raw[:-1], Decimal(100_000_000)
    try:
        value = (Decimal(raw) * factor).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise BadCell(_("“%(value)s” is not an amount (write e.g. 120000 or 12万).") % {"value": text})
    if value < 0:
        raise BadCell(_("The amount cannot be negative."))
    if value >= Decimal("1e12"):
        raise BadCell(_("The amount is too large."))
    return value


def date(text: str) -> datetime.date:
    value = text.strip()
    if "T" in value and len(value) > 10:
        value = value.split("T", 1)[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise BadCell(_("“%(value)s” is not a date (write it as 2026-12-31).") % {"value": text})


def email(text: str) -> str:
    try:
        validate_email(text)
    except ValidationError:
        raise BadCell(_("“%(value)s” is not an email address.") % {"value": text})
    return text


def limited(text: str, max_length: int) -> str:
    if len(text) > max_length:
        raise BadCell(
            _("Too long: at most %(max)d characters (this has %(length)d).") % {"max": max_length, "length": len(text)}
        )
    return text


class ChoiceLookup:
    """A choice by its code or by its label in Chinese or English, any case."""

    def __init__(self, choices: type[models.TextChoices]) -> None:
        self.choices = choices
        self.table: dict[str, str] = {}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                for value, label in choices.choices:
                    self.table[str(label).strip().lower()] = value
        for value in choices.values:
            self.table[value.lower()] = value

    def __call__(self, text: str) -> str:
        value = self.table.get(text.strip().lower())
        if value is None:
            options = ", ".join(str(label) for label in self.choices.labels)
            raise BadCell(_("“%(value)s” is not one of: %(options)s.") % {"value": text, "options": options})
        return value
