from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    """Message triage (智能研判): the classifier commands, urgency rules, repeats, clusters and claim hints."""

    name = "hotline.triage"
    label = "triage"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("智能研判")

    def ready(self) -> None:
        """Triage every registered order after commit; show the findings on the order page."""
        from hotline.tickets import panels
        from hotline.tickets.signals import ticket_changed
        from hotline.triage.panels import triage_panel
        from hotline.triage.receivers import on_ticket_changed

        ticket_changed.connect(on_ticket_changed, dispatch_uid="hotline.triage.on_ticket_changed")
        panels.register(triage_panel)
