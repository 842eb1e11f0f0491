"""Personal API tokens: created and revoked by their owner on the profile page, shown once,
stored only as a SHA-256 digest (a token is 40 random bytes, so a fast digest is enough)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PREFIX = "crm_"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    # The first characters, so the owner can tell their tokens apart; never enough to use one.
    prefix = models.CharField(_("starts with"), max_length=12)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user, name: str) -> tuple[ApiToken, str]:
        """Create a token for `user`; returns it and the key, which is never stored or shown again."""
        key = PREFIX + secrets.token_urlsafe(40)
        token = cls.objects.create(user=user, name=name.strip() or "API", prefix=key[:12], key_digest=digest(key))
        return token, key

    @classmethod
    def authenticate(cls, key: str) -> ApiToken | None:
        token = cls.objects.active().select_related("user").filter(key_digest=digest(key)).first()
        if token is not None:
            now = timezone.now()
            # At most one write a minute per token: reads stay reads.
            if token.last_used_at is None or now - token.last_used_at > timezone.timedelta(minutes=1):
                cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
