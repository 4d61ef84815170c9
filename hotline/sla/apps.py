from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    """The SLA clock: policies, the working calendar's overrides, deadlines and lights."""

    name = "hotline.sla"
    label = "sla"
    verbose_name = _("办理时限")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Connect the receivers that reload calendar overrides when they change; register the system checks."""
        from hotline.sla import checks, signals  # noqa: F401
