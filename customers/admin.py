from django.contrib import admin

from audit.admin import FieldHistoryAdmin
from crm.softdelete import MoveToBinAdmin

from .models import Contact, Customer


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ("name", "title", "phone", "email", "buying_role", "attitude")
    extra = 0


@admin.register(Customer)
class CustomerAdmin(MoveToBinAdmin, FieldHistoryAdmin):
    list_display = ("name", "customer_type", "industry", "region", "value_tier", "owner", "created_at")
    list_filter = ("customer_type", "industry", "region", "value_tier")
    search_fields = ("name", "phone")
    autocomplete_fields = ("owner",)
    inlines = [ContactInline]
    list_select_related = ("owner",)


@admin.register(Contact)
class ContactAdmin(MoveToBinAdmin, FieldHistoryAdmin):
    list_display = ("name", "customer", "title", "buying_role", "attitude", "email", "phone")
    list_filter = ("buying_role", "attitude")
    search_fields = ("name", "email", "phone", "customer__name")
    autocomplete_fields = ("customer",)
    list_select_related = ("customer",)
