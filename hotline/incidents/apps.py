from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    """Incidents and temporary answer scripts (突发事件与临时口径): matched at intake, counted, shown on the portal."""

    name = "hotline.incidents"
    label = "incidents"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("突发事件")

    def ready(self) -> None:
        """Link newly registered calls after commit; show an order's incidents on its page."""
        from hotline.incidents import panels  # noqa: F401 - registers the order-page panel
        from hotline.incidents.receivers import on_ticket_changed
        from hotline.tickets.signals import ticket_changed

        ticket_changed.connect(on_ticket_changed, dispatch_uid="hotline.incidents.on_ticket_changed")
