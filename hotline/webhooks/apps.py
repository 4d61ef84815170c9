from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "hotline.webhooks"
    label = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "事件推送"

    def ready(self) -> None:
        """Listen to every committed lifecycle step."""
        from hotline.tickets.signals import ticket_changed
        from hotline.webhooks.receivers import on_ticket_changed

        ticket_changed.connect(on_ticket_changed, dispatch_uid="hotline.webhooks.on_ticket_changed")
