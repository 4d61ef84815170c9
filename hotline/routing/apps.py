from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    """The dispatch catalogue (派单目录) and the dispatch recommendation built on it."""

    name = "hotline.routing"
    label = "routing"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("派单目录")

    def ready(self) -> None:
        """Recommend at registration, auto-dispatch on 转派单; show the top 3 on the order page."""
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from hotline.routing.models import DispatchRule
        from hotline.routing.panels import recommendation_panel
        from hotline.routing.receivers import on_ticket_changed
        from hotline.routing.selectors import invalidate
        from hotline.tickets import panels
        from hotline.tickets.signals import ticket_changed

        ticket_changed.connect(on_ticket_changed, dispatch_uid="hotline.routing.on_ticket_changed")
        for signal in (post_save, post_delete):
            for model in (DispatchRule, "orgs.HandlingUnit", "taxonomy.Category"):
                signal.connect(invalidate, sender=model, dispatch_uid=f"hotline.routing.invalidate.{model}.{id(signal)}")
        m2m_changed.connect(invalidate, sender=DispatchRule.assisting_units.through,
                            dispatch_uid="hotline.routing.invalidate.assisting")
        panels.register(recommendation_panel)
