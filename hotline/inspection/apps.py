from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionConfig(AppConfig):
    """Quality inspection of the intake agents' work orders (坐席工单质检): samples, scores, appeals, ranking."""

    name = "hotline.inspection"
    label = "inspection"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("坐席工单质检")

    def ready(self) -> None:
        from hotline.inspection import panels  # noqa: F401 - registers the order-page panel
