from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "hotline.taxonomy"
    label = "taxonomy"
    verbose_name = _("诉求分类")
    default_auto_field = "django.db.models.BigAutoField"
