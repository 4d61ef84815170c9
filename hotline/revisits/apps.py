from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RevisitsConfig(AppConfig):
    """Second return visits (二次回访): a delayed re-check of resolved complaints that tend to come back."""

    name = "hotline.revisits"
    label = "revisits"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("二次回访")

    def ready(self) -> None:
        """Schedule a second visit when an order closes; show second visits on the order page."""
        from hotline.revisits.panels import second_visit_panel
        from hotline.revisits.receivers import on_ticket_changed
        from hotline.tickets import panels
        from hotline.tickets.signals import ticket_changed

        ticket_changed.connect(on_ticket_changed, dispatch_uid="hotline.revisits.on_ticket_changed")
        panels.register(second_visit_panel)
