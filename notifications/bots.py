"""Reminders to team chats: WeCom group robots, DingTalk custom robots and Feishu custom bots.

A run (`collect_digests`) takes, for every active channel, the reminders created since its last
run for its team's members (or its user) and turns them into ONE message, so a scan of a
thousand stale deals posts one digest per channel, well inside the robots' rate limits (WeCom
and DingTalk: 20 messages a minute per robot; Feishu: 100 a minute). The message shapes and
signatures follow each platform's custom-robot documentation:

- WeCom: POST the key URL with `{"msgtype": "markdown", "markdown": {"content": …}}` (4,096 bytes at most).
- DingTalk: `{"msgtype": "markdown", "markdown": {"title": …, "text": …}}`; when the robot signs,
  `&timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))>`
  is appended to the URL.
- Feishu: `{"msg_type": "text", "content": {"text": …}}`, plus `"timestamp": "<seconds>"` and
  `"sign": base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))` in the body when it signs.

All three answer HTTP 200 with an error code in the body when they refuse (a bad signature, the
rate limit); that counts as a failure too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.http import HttpResult, post

from .models import ChatChannel, ChatDigest, ChatPlatform, Notification

WECOM_MAX_BYTES = 4096
BATCH_LIMIT = 1000


# --- Signatures ------------------------------------------------------------------------------


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret, base64, URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu: HMAC-SHA256 keyed by "timestamp\\nsecret" over an empty message, base64."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


# --- Message bodies -------------------------------------------------------------------------


def _truncate_bytes(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore") + "…"


def request_for(channel: ChatChannel, title: str, text: str, *, now: float | None = None) -> tuple[str, bytes]:
    """The URL and JSON body to POST for `channel` (signed when the channel has a secret)."""
    now = time.time() if now is None else now
    url = channel.webhook_url
    if channel.platform == ChatPlatform.WECOM:
        body = {
            "msgtype": "markdown",
            "markdown": {"content": _truncate_bytes(f"**{title}**\n{text}", WECOM_MAX_BYTES)},
        }
    elif channel.platform == ChatPlatform.DINGTALK:
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": f"#### {title}\n\n{text}"}}
        if channel.secret:
            timestamp = int(now * 1000)
            separator = "&" if "?" in url else "?"
            url = f"{url}{separator}timestamp={timestamp}&sign={dingtalk_sign(channel.secret, timestamp)}"
    else:
        plain = text.replace("**", "")
        body = {"msg_type": "text", "content": {"text": f"{title}\n{plain}"}}
        if channel.secret:
            timestamp = int(now)
            body = {"timestamp": str(timestamp), "sign": feishu_sign(channel.secret, timestamp), **body}
    return url, json.dumps(body, ensure_ascii=False).encode("utf-8")


def refused(platform: str, result: HttpResult) -> str:
    """The platform's own error in a 200 answer (errcode / code not 0), else ''."""
    try:
        answer = json.loads(result.text or "{}")
    except ValueError:
        return ""
    if not isinstance(answer, dict):
        return ""
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    if code not in (0, None, "0"):
        return f"{code}: {answer.get('errmsg') or answer.get('msg') or answer.get('StatusMessage') or ''}".strip()
    return ""


# --- Digests ---------------------------------------------------------------------------------


def _recipients_q(channel: ChatChannel) -> Q:
    if channel.user_id:
        return Q(recipient_id=channel.user_id)
    return Q(recipient__team_id=channel.team_id) | Q(recipient__led_teams=channel.team_id)


def _absolute(url: str) -> str:
    if not url or url.startswith("http"):
        return url
    return f"{settings.CRM_BASE_URL.rstrip('/')}{url}"


def compose(channel: ChatChannel, items: list[Notification]) -> tuple[str, str]:
    """The digest's title and markdown text in the channel's language, one line per reminder."""
    shown = items[: settings.CHAT_BOT_DIGEST_ITEMS]
    with translation.override(channel.language or settings.LANGUAGE_CODE):
        title = ngettext("%(count)d CRM reminder", "%(count)d CRM reminders", len(items)) % {"count": len(items)}
        lines = []
        for item in shown:
            who = item.recipient.get_full_name() or item.recipient.username
            link = _absolute(item.url)
            label = f"[{item.title}]({link})" if link else item.title
            lines.append(f"- {label} · {who}")
        if len(items) > len(shown):
            lines.append(_("… and %(count)d more in the CRM.") % {"count": len(items) - len(shown)})
    return title, "\n".join(lines)


def collect_digests() -> list[int]:
    """For each active channel, turn the reminders since its last run into one pending digest.

    The channel row is locked while its cursor moves, so concurrent runs split the work and
    never post a reminder twice. Returns the ids of the digests created."""
    created = []
    for channel_id in ChatChannel.objects.filter(is_active=True).values_list("pk", flat=True):
        with transaction.atomic():
            channel = ChatChannel.objects.select_for_update().get(pk=channel_id)
            items = list(
                Notification.objects.filter(
                    _recipients_q(channel), pk__gt=channel.last_notification_id, kind__in=channel.kinds or []
                )
                .select_related("recipient")
                .distinct()
                .order_by("pk")[:BATCH_LIMIT]
            )
            if not items:
                continue
            title, text = compose(channel, items)
            digest = ChatDigest.objects.create(
                channel=channel,
                first_notification_id=items[0].pk,
                last_notification_id=items[-1].pk,
                item_count=len(items),
                title=title[:200],
                text=text,
            )
            channel.last_notification_id = items[-1].pk
            channel.save(update_fields=["last_notification_id"])
            created.append(digest.pk)
    return created


def stranded_digests() -> list[int]:
    """Digests still unsent long after they were made (their sender died): sent by the next run."""
    cutoff = timezone.now() - timedelta(
        seconds=max(settings.CHAT_BOT_RETRY_DELAYS or [0]) + settings.CHAT_BOT_TIMEOUT * 6
    )
    return list(
        ChatDigest.objects.filter(status=ChatDigest.Status.PENDING, created_at__lt=cutoff, claimed_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:100]
    )


def send_digest(digest_id: int, *, final: bool) -> str | None:
    """Post one digest if it can be claimed; returns the new status (None: nothing to do)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.CHAT_BOT_TIMEOUT * 3)
    claimed = ChatDigest.objects.filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale), pk=digest_id, status=ChatDigest.Status.PENDING
    ).update(claimed_at=now)
    if not claimed:
        return None
    digest = ChatDigest.objects.select_related("channel").get(pk=digest_id)
    url, body = request_for(digest.channel, digest.title, digest.text)
    result = post(url, body, timeout=settings.CHAT_BOT_TIMEOUT)
    error = result.error or ("" if result.ok else f"HTTP {result.status}") or refused(digest.channel.platform, result)
    digest.attempts += 1
    digest.response_code = result.status
    digest.claimed_at = None
    if not error:
        digest.status = ChatDigest.Status.SENT
        digest.sent_at = timezone.now()
        digest.last_error = ""
    else:
        digest.last_error = error[:2000]
        if final:
            digest.status = ChatDigest.Status.FAILED
    digest.save(update_fields=["attempts", "response_code", "claimed_at", "status", "sent_at", "last_error"])
    return digest.status
