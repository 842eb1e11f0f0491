from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate
from django.utils.translation import gettext_lazy as _


class OpportunitiesConfig(AppConfig):
    name = "opportunities"
    verbose_name = _("Opportunities")

    def ready(self) -> None:
        from .models import Opportunity
        from .models.opportunity import register_erased_deal
        from .models.totals import reinstall

        post_delete.connect(register_erased_deal, sender=Opportunity, dispatch_uid="erased-deal-register")
        # SQLite drops a table's triggers when a migration rebuilds it: install them again.
        post_migrate.connect(reinstall, sender=self, dispatch_uid="deal-totals-reinstall")
