"""A read-only log of notifications in the admin, with recipients masked."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hotline.core.privacy import mask_phone
from hotline.notifications.models import Notification


def mask_recipient(to: str) -> str:
    """A phone as 138****1234, an e-mail address as z***@example.cn."""
    if "@" in to:
        local, _sep, domain = to.partition("@")
        return f"{local[:1]}***@{domain}"
    return mask_phone(to)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "ticket_number", "template", "channel", "masked_to", "status", "sent_at"]
    list_filter = ["status", "template", "channel"]
    search_fields = ["ticket__number"]
    date_hierarchy = "created_at"
    list_select_related = ["ticket"]
    fields = ["ticket_number", "event_id", "template", "channel", "masked_to", "subject", "body", "status", "error",
              "created_at", "sent_at"]
    readonly_fields = fields

    @admin.display(description=_("工单编号"), ordering="ticket__number")
    def ticket_number(self, obj: Notification) -> str:
        return obj.ticket.number if obj.ticket else "—"

    @admin.display(description=_("接收人"))
    def masked_to(self, obj: Notification) -> str:
        return mask_recipient(obj.to)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False
