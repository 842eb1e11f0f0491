"""In-app notifications (reminders, approvals, assignments), each with a unique key so that a
job run twice, retried, or run by two workers never notifies twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from accounts.models import User


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> NotificationQuerySet:
        """Notifications are personal: everyone sees only their own."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("To send")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not emailed")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    EmailStatus = EmailStatus

    class Kind(models.TextChoices):
        STALE = "stale", _("Stale deal")
        STALE_ESCALATION = "stale_escalation", _("Stale deal (escalated)")
        FOLLOW_UP_DUE = "follow_up_due", _("Follow-up due")
        APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
        APPROVAL_DECIDED = "approval_decided", _("Approval decided")
        LEAD_ASSIGNED = "lead_assigned", _("Lead assigned")
        OTHER = "other", _("Other")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    opportunity = models.ForeignKey(
        "opportunities.Opportunity", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    # The approval a leader decides from the notification list (approval kinds only).
    approval_request = models.ForeignKey(
        "opportunities.ApprovalRequest",
        verbose_name=_("approval request"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    # What makes this notification unique, e.g. "stale:<deal>:<episode start>:<recipient>".
    dedup_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Email delivery lives in the row, so the database alone says what is still to send: a
    # pending email whose sender died is found again by the sweep (`emails.send_unsent`).
    email_status = models.CharField(
        _("email"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING, editable=False
    )
    # Set by the worker sending the email; a claim older than NOTIFICATION_EMAIL_RETRY_AFTER is
    # taken as a dead worker's and may be claimed again.
    email_claimed_at = models.DateTimeField(_("email claimed"), null=True, blank=True, editable=False)
    email_attempts = models.PositiveSmallIntegerField(_("email attempts"), default=0, editable=False)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"]),
            # The email sweep reads only the few rows still to send.
            models.Index(fields=["created_at"], condition=Q(email_status="pending"), name="notification_email_due_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class EmailOptOut(models.Model):
    """A kind of notification the user does not want by email (absent: emailed).

    Opting out is the exception, so the default of "every kind by email" needs no rows.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Notification.Kind.choices)

    class Meta:
        verbose_name = _("email opt-out")
        verbose_name_plural = _("email opt-outs")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_email_opt_out_per_user_kind")]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()}"

    @classmethod
    def set_for(cls, user: User, *, emailed_kinds) -> None:
        """Keep exactly the kinds not in `emailed_kinds` opted out."""
        wanted = set(emailed_kinds)
        unwanted = [k for k in Notification.Kind.values if k not in wanted]
        cls.objects.filter(user=user).exclude(kind__in=unwanted).delete()
        cls.objects.bulk_create([cls(user=user, kind=k) for k in unwanted], ignore_conflicts=True)


class ChatPlatform(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk custom robot (钉钉)")
    FEISHU = "feishu", _("Feishu custom bot (飞书)")


def default_chat_kinds() -> list[str]:
    return [
        Notification.Kind.STALE,
        Notification.Kind.STALE_ESCALATION,
        Notification.Kind.FOLLOW_UP_DUE,
        Notification.Kind.APPROVAL_REQUESTED,
        Notification.Kind.APPROVAL_DECIDED,
    ]


class ChatChannel(models.Model):
    """A team's (or one user's) group robot that receives their reminders as one digest per run.

    The channel remembers the last notification it has passed on (`last_notification_id`); each
    run takes the newer ones under a row lock, so two runs never post the same reminder twice.
    """

    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=10, choices=ChatPlatform.choices)
    webhook_url = models.URLField(
        _("webhook URL"),
        max_length=500,
        help_text=_(
            "WeCom: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…; DingTalk: "
            "https://oapi.dingtalk.com/robot/send?access_token=…; Feishu: https://open.feishu.cn/open-apis/bot/v2/hook/…"
        ),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk (SEC…) and Feishu robots with signature verification; WeCom needs none."),
    )
    team = models.ForeignKey(
        "accounts.Team", verbose_name=_("team"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chat_channels",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, help_text=_("Empty: the site's language.")
    )
    kinds = models.JSONField(_("notifications sent"), default=default_chat_kinds)
    is_active = models.BooleanField(_("active"), default=True)
    last_notification_id = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("group robot channel")
        verbose_name_plural = _("group robot channels")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(team__isnull=False) & Q(user__isnull=True))
                | (Q(team__isnull=True) & Q(user__isnull=False)),
                name="chat_channel_team_or_user",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self._state.adding and not self.last_notification_id:
            # A new channel starts with what happens from now on, not with the backlog.
            self.last_notification_id = Notification.objects.aggregate(m=models.Max("pk"))["m"] or 0
        super().save(*args, **kwargs)


class ChatDigest(models.Model):
    """One message to a channel: the reminders of one run, and how its delivery went."""

    class Status(models.TextChoices):
        PENDING = "pending", _("To send")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    channel = models.ForeignKey(
        ChatChannel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="digests"
    )
    first_notification_id = models.BigIntegerField()
    last_notification_id = models.BigIntegerField()
    item_count = models.PositiveIntegerField(_("reminders"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("group robot message")
        verbose_name_plural = _("group robot messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "last_notification_id"], name="one_digest_per_channel_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.title}"
