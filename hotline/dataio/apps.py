from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataioConfig(AppConfig):
    """Import of historical orders (CSV/Excel) and export (Open311 CSV, full JSON)."""

    name = "hotline.dataio"
    label = "dataio"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("数据导入导出")
