from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "hotline.accounts"
    label = "accounts"
    verbose_name = _("账号")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """The admin's sign-in page locks names like the staff's (docs/security.md); register the system checks."""
        from django.contrib import admin

        from hotline.accounts import checks  # noqa: F401
        from hotline.accounts.lockout import AdminLockoutAuthenticationForm

        admin.site.login_form = AdminLockoutAuthenticationForm
