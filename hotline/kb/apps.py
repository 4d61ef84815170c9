import os

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    """Knowledge base (知识库): articles for agents and citizens, suggestions, direct answers, past replies."""

    name = "hotline.kb"
    label = "kb"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("知识库")

    def ready(self) -> None:
        """Keep jieba's cache in var/, record answers taken from articles, add the order-page panels."""
        from hotline.kb import panels  # noqa: F401 - registers the order-page panels
        from hotline.kb.receivers import on_ticket_changed
        from hotline.tickets.signals import ticket_changed

        os.environ.setdefault("HOTLINE_JIEBA_CACHE_DIR", str(settings.VAR_DIR))
        ticket_changed.connect(on_ticket_changed, dispatch_uid="hotline.kb.on_ticket_changed")
