from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpisConfig(AppConfig):
    """Indicators (考核指标), the monthly unit assessment (考核排名) and the bulletin (通报)."""

    name = "hotline.kpis"
    label = "kpis"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("指标与考核")
