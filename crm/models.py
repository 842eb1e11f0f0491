"""What the whole application shares: the submissions already acted on (so a form sent twice
creates one record) and the input limits an admin sets."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_MAX_AMOUNT = Decimal("10000000000")  # ¥10,000,000,000
# The widest amount column (max_digits=14, decimal_places=2) holds just under 10^12.
AMOUNT_COLUMN_LIMIT = Decimal("999999999999.99")


class Submission(models.Model):
    """A form submission the application has acted on, by the idempotency key the form carried.

    The unique key is the guard: of two identical submissions, at once or one after the other,
    only the first inserts this row and creates its record; the second finds the row and gets
    the first one's result (`result_url`) instead of a duplicate.
    """

    key = models.UUIDField(_("idempotency key"), unique=True)
    action = models.CharField(_("action"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, null=True, blank=True
    )
    result_url = models.CharField(_("result"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("submitted"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} {self.key}"


class InputLimits(models.Model):
    """The bounds every form applies, set by an admin (one row)."""

    max_amount = models.DecimalField(
        _("largest amount"),
        max_digits=14,
        decimal_places=2,
        default=DEFAULT_MAX_AMOUNT,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(AMOUNT_COLUMN_LIMIT)],
        help_text=_("Amounts, budgets and targets above this are refused as typing mistakes."),
    )

    class Meta:
        verbose_name = _("input limits")
        verbose_name_plural = _("input limits")

    def __str__(self) -> str:
        return str(_("Input limits"))

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> InputLimits:
        return cls.objects.filter(pk=1).first() or cls(pk=1)
