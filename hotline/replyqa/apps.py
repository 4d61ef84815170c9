from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReplyqaConfig(AppConfig):
    """Reply quality checks (答复质检): findings shown to the reviewer before a reply is approved."""

    name = "hotline.replyqa"
    label = "replyqa"
    verbose_name = _("答复质检")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register the order-page panel; record a disputed contact when a return visit commits."""
        from hotline.replyqa import panels  # noqa: F401 - registers the order-page panel
        from hotline.replyqa.receivers import on_ticket_changed
        from hotline.tickets.signals import ticket_changed

        ticket_changed.connect(on_ticket_changed, dispatch_uid="hotline.replyqa.on_ticket_changed")
