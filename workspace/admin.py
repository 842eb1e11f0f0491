from django.contrib import admin

from .models import SavedView


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ("name", "page", "owner", "created_at")
    list_filter = ("page",)
    search_fields = ("name", "owner__username")
    list_select_related = ("owner",)
