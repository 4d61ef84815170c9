from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    """Call forecasting and staffing (话务预测与排班): the planner page and the `forecast`/`staffing` commands."""

    name = "hotline.planning"
    label = "planning"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("排班规划")
