from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    """Proactive governance (主动治理): 每月一题 themes taken on from hot spots, handled by units, verified by the centre."""

    name = "hotline.governance"
    label = "governance"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("主动治理")
