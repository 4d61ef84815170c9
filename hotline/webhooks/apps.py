from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "hotline.webhooks"
    label = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("事件推送")

    def ready(self) -> None:
        """Listen to every committed lifecycle step."""
        from hotline.tickets.signals import ticket_changed
        from hotline.webhooks.receivers import on_ticket_changed

        ticket_changed.connect(on_ticket_changed, dispatch_uid="hotline.webhooks.on_ticket_changed")
