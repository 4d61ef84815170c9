from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "hotline.dashboards"
    label = "dashboards"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("数据看板")

    def ready(self) -> None:
        """Keep the rollups current: every committed lifecycle step updates them (idempotently), and a
        category moved to another parent takes its orders' counts to its new level-1 category."""
        from hotline.dashboards.receivers import on_category_moved, on_ticket_changed
        from hotline.taxonomy.services import category_moved
        from hotline.tickets.signals import ticket_changed

        ticket_changed.connect(on_ticket_changed, dispatch_uid="hotline.dashboards.on_ticket_changed")
        category_moved.connect(on_category_moved, dispatch_uid="hotline.dashboards.on_category_moved")
