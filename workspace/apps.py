from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    """Working across records: global search, bulk actions, hand-over, saved views."""

    name = "workspace"
    verbose_name = _("Workspace")
