from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "hotline.tickets"
    label = "tickets"
    verbose_name = _("工单")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hotline.tickets import panels
        from hotline.tickets.split_panel import split_panel

        panels.register(split_panel)
