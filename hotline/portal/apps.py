from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "hotline.portal"
    label = "portal"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "群众门户"
