from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "hotline.interop"
    label = "interop"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("平台互转")

    def ready(self) -> None:
        """Listen to committed steps and to successful deliveries; add the transfer panel to the order page."""
        from hotline.interop.panels import transfer_panel
        from hotline.interop.receivers import on_delivery_succeeded, on_ticket_changed
        from hotline.tickets import panels
        from hotline.tickets.signals import ticket_changed
        from hotline.webhooks.signals import delivery_succeeded

        ticket_changed.connect(on_ticket_changed, dispatch_uid="hotline.interop.on_ticket_changed")
        delivery_succeeded.connect(on_delivery_succeeded, dispatch_uid="hotline.interop.on_delivery_succeeded")
        panels.register(transfer_panel)
