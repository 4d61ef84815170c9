from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotspotsConfig(AppConfig):
    """Hot spots (热点问题): weekly clusters of orders, early warnings and 每月一题 candidates."""

    name = "hotline.hotspots"
    label = "hotspots"
    verbose_name = _("热点分析")
    default_auto_field = "django.db.models.BigAutoField"
