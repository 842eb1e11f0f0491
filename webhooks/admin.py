from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from crm.http import checked_url

from .models import Event, WebhookDelivery, WebhookEndpoint


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple, required=True
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "secret", "events", "is_active"]

    def clean_url(self) -> str:
        return checked_url(self.cleaned_data["url"])


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["name", "url", "is_active", "created_at"]
    list_filter = ["is_active"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_name", "event_id", "endpoint", "status", "response_code", "attempts", "created_at"]
    list_filter = ["status", "endpoint", "event__event"]
    search_fields = ["event__event_id", "last_error"]
    list_select_related = ["endpoint", "event"]
    readonly_fields = [
        "endpoint",
        "event",
        "status",
        "response_code",
        "attempts",
        "last_error",
        "claimed_at",
        "delivered_at",
        "created_at",
        "payload",
    ]

    @admin.display(description=_("event"))
    def event_name(self, obj):
        return obj.event.get_event_display()

    @admin.display(description=_("event id"))
    def event_id(self, obj):
        return obj.event.event_id

    @admin.display(description=_("payload"))
    def payload(self, obj):
        return obj.event.payload

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
