from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crm.http import checked_url

from .models import ChatChannel, ChatDigest, EmailOptOut, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "kind", "created_at", "read_at", "email_status", "emailed_at")
    list_filter = ("kind", "email_status")
    readonly_fields = ("email_status", "email_claimed_at", "email_attempts", "emailed_at")
    search_fields = ("title", "recipient__username")
    raw_id_fields = ("opportunity", "lead", "recipient", "approval_request")
    list_select_related = ("recipient",)


@admin.register(EmailOptOut)
class EmailOptOutAdmin(admin.ModelAdmin):
    list_display = ("user", "kind")
    list_filter = ("kind",)
    search_fields = ("user__username",)
    list_select_related = ("user",)


class ChatChannelForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        label=_("notifications sent"), choices=Notification.Kind.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ChatChannel
        fields = ["name", "platform", "webhook_url", "secret", "team", "user", "language", "kinds", "is_active"]

    def clean_webhook_url(self) -> str:
        return checked_url(self.cleaned_data["webhook_url"])

    def clean(self):
        data = super().clean()
        if bool(data.get("team")) == bool(data.get("user")):
            raise forms.ValidationError(_("Route the channel to a team or to one user (exactly one of them)."))
        return data


@admin.register(ChatChannel)
class ChatChannelAdmin(admin.ModelAdmin):
    form = ChatChannelForm
    list_display = ("name", "platform", "team", "user", "language", "is_active")
    list_filter = ("platform", "is_active")
    list_select_related = ("team", "user")


@admin.register(ChatDigest)
class ChatDigestAdmin(admin.ModelAdmin):
    list_display = ("title", "channel", "item_count", "status", "response_code", "attempts", "created_at", "sent_at")
    list_filter = ("status", "channel")
    list_select_related = ("channel",)
    readonly_fields = [f.name for f in ChatDigest._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
