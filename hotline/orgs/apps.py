from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    name = "hotline.orgs"
    label = "orgs"
    verbose_name = _("组织机构")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Rebuild the address gazetteer (地名库) when a unit changes."""
        from django.db.models.signals import post_delete, post_save

        from hotline.orgs.places import invalidate

        for signal in (post_save, post_delete):
            signal.connect(invalidate, sender="orgs.HandlingUnit", dispatch_uid=f"hotline.orgs.places.{id(signal)}")
