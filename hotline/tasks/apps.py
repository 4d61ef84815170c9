from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    """Celery tasks (SLA sweep, notifications, webhooks, imports, retraining) and their wiring."""

    name = "hotline.tasks"
    label = "hotline_tasks"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("后台任务")

    def ready(self) -> None:
        """With a real broker, the follow-up of committed steps runs in a worker instead of the request."""
        from hotline.tasks import wiring

        wiring.connect()
