from django.contrib import admin

from crm.softdelete import MoveToBinAdmin

from .models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(MoveToBinAdmin, admin.ModelAdmin):
    list_display = ("name", "opportunity", "customer", "size", "uploaded_by", "uploaded_at")
    search_fields = ("name", "opportunity__name", "customer__name")
    raw_id_fields = ("opportunity", "customer")
    readonly_fields = ("file", "content_type", "size", "uploaded_by", "uploaded_at")
    list_select_related = ("opportunity", "customer", "uploaded_by")
