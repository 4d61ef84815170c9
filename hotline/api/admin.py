"""API keys in the admin: listed and revocable, never created or edited here (use `hotline apikey create`)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.api.keys import revoke_key
from hotline.api.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "scopes", "unit", "user", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["unit", "user"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix"]
    fields = ["name", "prefix", "scopes", "unit", "user", "intake_user", "created_by", "created_at", "last_used_at",
              "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        return False

    @admin.action(description=_("吊销所选密钥"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        """Revoke each live key; each leaves an entry in the admin history (the change trail records the rows)."""
        revoked = 0
        for key in queryset.filter(revoked_at__isnull=True):
            revoke_key(key)
            self.log_change(request, key, gettext("吊销密钥；其服务账号与事件订阅已停用"))
            revoked += 1
        self.message_user(request, _("已吊销 %(n)d 个密钥") % {"n": revoked}, messages.SUCCESS)
