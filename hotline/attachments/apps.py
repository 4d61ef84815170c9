from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "hotline.attachments"
    label = "attachments"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "附件"
