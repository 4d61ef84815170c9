from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "hotline.core"
    label = "core"
    verbose_name = _("核心")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Choice labels of the platform's models without a dict built per call (`hotline.core.labels`)."""
        from hotline.core.labels import speed_up_displays

        speed_up_displays(m for m in apps.get_models() if m.__module__.startswith("hotline."))
