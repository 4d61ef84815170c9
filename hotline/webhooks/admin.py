"""Subscriptions and the delivery log in the admin: replay and retry are admin actions."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hotline.webhooks import services
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.forms import SubscriptionForm
from hotline.webhooks.models import Delivery, DeliveryAttempt, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["name", "url", "kind", "is_active", "owner", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "url"]


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["number", "at", "status_code", "duration_ms", "error", "response_excerpt"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "event_type", "subscription", "ticket", "status", "attempts", "last_status_code",
                    "next_attempt_at", "created_at", "replay_of"]
    list_filter = ["status", "event_type", "subscription"]
    list_select_related = ["subscription", "ticket"]
    search_fields = ["event_id", "ticket__number"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["replay", "retry_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("重放所选推送"))
    def replay(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = 0
        for delivery in queryset.exclude(status=DeliveryStatus.PENDING):
            services.replay(delivery)
            count += 1
        self.message_user(request, ngettext("已重放 %(n)d 条推送", "已重放 %(n)d 条推送", count) % {"n": count},
                          messages.SUCCESS)

    @admin.action(description=_("立即重试所选待发送推送"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        moved = left = 0
        for delivery in queryset.filter(status=DeliveryStatus.PENDING):
            if services.retry_now(delivery):
                moved += 1
            else:
                left += 1
        if moved:
            self.message_user(request, _("已安排立即重试"), messages.SUCCESS)
        if left:
            self.message_user(request, ngettext(
                "%(n)d 条推送正在发送中或将在两分钟内自动重试，未重复安排",
                "%(n)d 条推送正在发送中或将在两分钟内自动重试，未重复安排", left) % {"n": left}, messages.WARNING)
