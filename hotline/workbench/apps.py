from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "hotline.workbench"
    label = "workbench"
    default_auto_field = "django.db.models.BigAutoField"
