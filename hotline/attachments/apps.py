from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttachmentsConfig(AppConfig):
    name = "hotline.attachments"
    label = "attachments"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("附件")
