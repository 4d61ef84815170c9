"""Read-only admin for work orders (工单) and their timeline: an order changes only through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hotline.core.admin import SingletonAdmin
from hotline.core.privacy import mask_phone
from hotline.ops.access import order_shown
from hotline.tickets.models import Assignment, ForwardSettings, Ticket, TimelineEvent, VisitSettings


class ReadOnlyMixin:
    """No add, change or delete through the admin; viewing only."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Orders are registered through the intake service, never the admin."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Every change is a lifecycle step taken through a service."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Orders and their history are kept."""
        return False


class AssignmentInline(ReadOnlyMixin, admin.TabularInline):
    """The units the order was sent to, with deadlines and lights."""

    model = Assignment
    extra = 0
    can_delete = False
    show_change_link = False
    fields = ["unit", "role", "status", "is_designated", "dispatched_at", "signed_at", "sign_due", "reply_due",
              "replied_at", "light", "extension_count"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assignment]:
        """Units in one query."""
        return super().get_queryset(request).select_related("unit")


class TimelineInline(ReadOnlyMixin, admin.TabularInline):
    """The order's full timeline (流转记录)."""

    model = TimelineEvent
    extra = 0
    can_delete = False
    fields = ["seq", "at", "actor_label", "unit", "action", "from_status", "to_status", "note", "is_public"]
    readonly_fields = fields
    ordering = ["seq"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TimelineEvent]:
        """Units in one query."""
        return super().get_queryset(request).select_related("unit")


@admin.register(Ticket)
class TicketAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Work orders for looking up; the caller's phone is masked in the list."""

    list_display = ["number", "title", "status", "light", "masked_phone", "category", "registered_at"]
    list_filter = ["status", "light", "channel", "request_type", "urgency", "is_confidential", "registered_at"]
    search_fields = ["=number", "=caller_phone", "title"]
    list_select_related = ["category"]
    date_hierarchy = "registered_at"
    ordering = ["-registered_at", "-id"]
    list_per_page = 50
    show_full_result_count = False
    inlines = [AssignmentInline, TimelineInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Ticket | None = None) -> list[str]:
        """Every field is shown read-only, the phone masked: the full number is on the order page, which records
        who saw it (docs/security.md)."""
        return [f.name if f.name != "caller_phone" else "masked_phone" for f in self.model._meta.fields]

    def get_fields(self, request: HttpRequest, obj: Ticket | None = None) -> list[str]:
        return self.get_readonly_fields(request, obj)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):  # noqa: ANN001, ANN201
        """Opening a confidential order here is recorded like on the order page (docs/security.md)."""
        ticket = self.get_object(request, object_id)
        if ticket is not None:
            order_shown(ticket, request.user)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj: Ticket) -> str:
        """The caller's phone, masked."""
        return mask_phone(obj.caller_phone)



@admin.register(TimelineEvent)
class TimelineEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The append-only timeline, for audit: no add, change or delete."""

    list_display = ["ticket", "seq", "at", "actor_label", "action", "from_status", "to_status", "is_public"]
    list_filter = ["action", "is_public", "at"]
    search_fields = ["=ticket__number", "actor_label"]
    list_select_related = ["ticket"]
    date_hierarchy = "at"
    list_per_page = 100
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: TimelineEvent | None = None) -> list[str]:
        """Every field is shown read-only."""
        return [f.name for f in self.model._meta.fields]


@admin.register(VisitSettings)
class VisitSettingsAdmin(SingletonAdmin):
    """The one row of return-visit settings (回访设置)."""

    list_display = ["__str__", "max_attempts", "updated_at"]


@admin.register(ForwardSettings)
class ForwardSettingsAdmin(SingletonAdmin):
    """The one row of 下派设置 (whether orders may be handed down to communities)."""

    list_display = ["__str__", "to_communities", "updated_at"]
