"""Saved views: a user's named filters of a list or the board, opened from a menu."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import User


class SavedViewQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> SavedViewQuerySet:
        """A saved view is its owner's alone."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(owner=user)


class SavedView(models.Model):
    class Page(models.TextChoices):
        OPPORTUNITIES = "opportunities", _("Opportunities")
        BOARD = "board", _("Pipeline board")
        LEADS = "leads", _("Leads")
        CUSTOMERS = "customers", _("Customers")

    URL_NAMES = {
        Page.OPPORTUNITIES: "opportunities:list",
        Page.BOARD: "opportunities:board",
        Page.LEADS: "leads:list",
        Page.CUSTOMERS: "customers:list",
    }

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="saved_views"
    )
    page = models.CharField(_("page"), max_length=20, choices=Page.choices)
    name = models.CharField(_("name"), max_length=80)
    query = models.TextField(_("filters"), blank=True, help_text=_("The page's query string."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SavedViewQuerySet.as_manager()

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["owner", "page", "name"], name="saved_view_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        url = reverse(self.URL_NAMES[self.Page(self.page)])
        return f"{url}?{self.query}" if self.query else url
