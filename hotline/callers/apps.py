from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallersConfig(AppConfig):
    """Caller profiles (来电人档案): tags and a short note on a phone number, for the next agent who answers it."""

    name = "hotline.callers"
    label = "callers"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("来电人档案")
