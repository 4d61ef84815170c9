from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "hotline.calls"
    label = "calls"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("话务")

    def ready(self) -> None:
        """Link orders registered during a call to it; show the calls on the order page."""
        from hotline.calls.panels import calls_panel
        from hotline.calls.receivers import on_ticket_changed
        from hotline.tickets import panels
        from hotline.tickets.signals import ticket_changed

        ticket_changed.connect(on_ticket_changed, dispatch_uid="hotline.calls.on_ticket_changed")
        panels.register(calls_panel)
