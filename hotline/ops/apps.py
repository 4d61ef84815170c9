from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "hotline.ops"
    label = "ops"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("运维与安全审计")

    def ready(self) -> None:
        """Audit every change made through the admin site (before/after of each field)."""
        from hotline.ops import admin_audit

        admin_audit.connect()
