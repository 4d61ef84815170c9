from django.apps import AppConfig


class SlaConfig(AppConfig):
    """The SLA clock: policies, the working calendar's overrides, deadlines and lights."""

    name = "hotline.sla"
    label = "sla"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Connect the receivers that reload calendar overrides when they change; register the system checks."""
        from hotline.sla import checks, signals  # noqa: F401
