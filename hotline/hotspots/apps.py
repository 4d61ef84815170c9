from django.apps import AppConfig


class HotspotsConfig(AppConfig):
    """Hot spots (热点问题): weekly clusters of orders, early warnings and 每月一题 candidates."""

    name = "hotline.hotspots"
    label = "hotspots"
    default_auto_field = "django.db.models.BigAutoField"
