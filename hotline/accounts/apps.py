from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "hotline.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """The admin's sign-in page locks names like the staff's (docs/security.md)."""
        from django.contrib import admin

        from hotline.accounts.lockout import AdminLockoutAuthenticationForm

        admin.site.login_form = AdminLockoutAuthenticationForm
