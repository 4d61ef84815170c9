from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "hotline.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("消息通知")

    def ready(self) -> None:
        """Listen to every committed lifecycle step (the receiver filters the milestones)."""
        from hotline.notifications.receivers import on_ticket_changed
        from hotline.tickets.signals import ticket_changed

        ticket_changed.connect(on_ticket_changed, dispatch_uid="hotline.notifications.on_ticket_changed")
