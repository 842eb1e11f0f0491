from django.contrib import admin

from .models import EmailOptOut, Notification


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
