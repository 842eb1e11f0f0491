from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from audit.admin import FieldHistoryAdmin, FieldHistoryMixin

from .models import Team, User


class MemberInline(admin.TabularInline):
    model = User
    fields = ("username", "first_name", "last_name", "email", "is_active")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = _("member")
    verbose_name_plural = _("members")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(FieldHistoryAdmin):
    list_display = ("name", "leader", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "leader__username", "leader__first_name", "leader__last_name")
    autocomplete_fields = ("leader",)
    inlines = [MemberInline]


@admin.register(User)
class UserAdmin(FieldHistoryMixin, BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "team", "is_staff", "is_active")
    list_filter = ("team", "is_staff", "is_active", "groups")
    fieldsets = BaseUserAdmin.fieldsets + ((_("Sales"), {"fields": ("team", "language")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Sales"), {"fields": ("team",)}),)
