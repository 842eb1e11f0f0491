from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Users and teams")

    def ready(self) -> None:
        from crm.scoping import forget_request_memo

        from .models import Team, User

        # A request that changes a team or a person sees the scope as it now is.
        for model in (User, Team):
            post_save.connect(forget_request_memo, sender=model, dispatch_uid=f"scope-memo-save-{model.__name__}")
            post_delete.connect(forget_request_memo, sender=model, dispatch_uid=f"scope-memo-delete-{model.__name__}")
