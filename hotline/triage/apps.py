from django.apps import AppConfig


class TriageConfig(AppConfig):
    """Message triage: the `train`, `evaluate` and `classify` commands around `hotline.intelligence`."""

    name = "hotline.triage"
    label = "triage"
    default_auto_field = "django.db.models.BigAutoField"
