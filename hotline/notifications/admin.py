"""A read-only log of notifications in the admin, with recipients masked; the alerts to units (承办单位提醒)
and their settings, which list the units whose alerts reach no phone."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from hotline.core import clock
from hotline.core.admin import ReadOnlyAdmin, SingletonAdmin
from hotline.core.privacy import mask_phone
from hotline.notifications import retry
from hotline.notifications.choices import DeliveryStatus, Recipient
from hotline.notifications.constants import QUEUED_GRACE
from hotline.notifications.models import Notification, UnitAlert, UnitAlertSettings
from hotline.notifications.services import enabled
from hotline.notifications.unit_alerts import units_without_mobile

#: Units named on the settings page among those without a mobile number (the count says how many in all).
UNITS_LISTED = 30


def mask_recipient(to: str) -> str:
    """A phone as 138****1234, an e-mail address as z***@example.cn."""
    if "@" in to:
        local, _sep, domain = to.partition("@")
        return f"{local[:1]}***@{domain}"
    return mask_phone(to)


class UnitAlertInline(admin.TabularInline):
    """The orders a unit alert was about (several in a grouped one)."""

    model = UnitAlert
    fields = ["ticket_number", "kind", "phase", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    @admin.display(description=_("工单编号"))
    def ticket_number(self, obj: UnitAlert) -> str:
        return obj.assignment.ticket.number or "—"

    def get_queryset(self, request: HttpRequest) -> QuerySet[UnitAlert]:
        return super().get_queryset(request).select_related("assignment__ticket")

    def has_add_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False


class StrandedFilter(admin.SimpleListFilter):
    """The texts still queued (待发送) QUEUED_GRACE after they were written: their sender died before the gateway
    call; the periodic retry sends a caller's (`retry.retry_due`), staff may send one now (重新发送)."""

    title = _("未发出")
    parameter_name = "stranded"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        minutes = int(QUEUED_GRACE.total_seconds() // 60)
        return [("yes", gettext("待发送超过%(minutes)d分钟") % {"minutes": minutes})]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Notification]) -> QuerySet[Notification]:
        if self.value() != "yes":
            return queryset
        return queryset.filter(status=DeliveryStatus.QUEUED, created_at__lte=clock.now() - QUEUED_GRACE)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "ticket_number", "template", "recipient", "unit", "channel", "masked_to", "status",
                    "sent_at"]
    list_filter = ["recipient", "status", StrandedFilter, "template", "channel"]
    search_fields = ["ticket__number", "unit__name"]
    date_hierarchy = "created_at"
    list_select_related = ["ticket", "unit"]
    fields = ["ticket_number", "event_id", "template", "recipient", "unit", "channel", "masked_to", "subject", "body",
              "status", "error", "attempts", "next_attempt_at", "created_at", "sent_at"]
    readonly_fields = fields
    actions = ["resend"]

    @admin.display(description=_("工单编号"), ordering="ticket__number")
    def ticket_number(self, obj: Notification) -> str:
        return obj.ticket.number if obj.ticket else "—"

    @admin.display(description=_("接收人"))
    def masked_to(self, obj: Notification) -> str:
        return mask_recipient(obj.to)

    @admin.action(description=_("重新发送"))
    def resend(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        """Send the selected failed texts to callers, and those left queued by a dead sender, now (补发), each
        claimed first: never twice. Nothing while texts are switched off (HOTLINE_NOTIFICATIONS_ENABLED)."""
        if not enabled():
            self.message_user(request, gettext(
                "短信通知已关闭（HOTLINE_NOTIFICATIONS_ENABLED），未重新发送任何短信；开启后再重新发送"), messages.ERROR)
            return
        sent = failed = skipped = 0
        for note in queryset.order_by("created_at", "pk"):
            if not retry.resend(note):
                skipped += 1
                continue
            note.refresh_from_db(fields=["status"])
            self.log_change(request, note, gettext("重新发送"))
            if note.status == DeliveryStatus.SENT:
                sent += 1
            else:
                failed += 1
        if sent:
            self.message_user(request, ngettext("已重新发送 %(n)d 条短信", "已重新发送 %(n)d 条短信", sent) % {"n": sent},
                              messages.SUCCESS)
        if failed:
            self.message_user(request, ngettext("%(n)d 条短信再次发送失败", "%(n)d 条短信再次发送失败", failed)
                              % {"n": failed}, messages.ERROR)
        if skipped:
            self.message_user(request, ngettext(
                "%(n)d 条未重新发送：只能重新发送发送失败或待发送超时的群众短信（评价邀请须工单仍待回访；"
                "已被同一工单更新的短信取代的不再发送）",
                "%(n)d 条未重新发送：只能重新发送发送失败或待发送超时的群众短信（评价邀请须工单仍待回访；"
                "已被同一工单更新的短信取代的不再发送）", skipped)
                % {"n": skipped},
                messages.WARNING)

    def get_inlines(self, request: HttpRequest, obj: Notification | None = None) -> list[type[admin.TabularInline]]:
        """An alert to a unit lists the orders it was about."""
        return [UnitAlertInline] if obj is not None and obj.recipient == Recipient.UNIT else []

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False


@admin.register(UnitAlert)
class UnitAlertAdmin(ReadOnlyAdmin):
    """Every order a unit was alerted about, with the SMS that carried it (none: the unit has no mobile)."""

    list_display = ["created_at", "ticket_number", "unit", "kind", "sms_status"]
    list_filter = ["kind", ("notification", admin.EmptyFieldListFilter), "notification__status"]
    search_fields = ["assignment__ticket__number", "assignment__unit__name"]
    date_hierarchy = "created_at"
    list_select_related = ["assignment__ticket", "assignment__unit", "notification"]

    @admin.display(description=_("工单编号"), ordering="assignment__ticket__number")
    def ticket_number(self, obj: UnitAlert) -> str:
        return obj.assignment.ticket.number or "—"

    @admin.display(description=_("承办单位"), ordering="assignment__unit__name")
    def unit(self, obj: UnitAlert) -> str:
        return obj.assignment.unit.name

    @admin.display(description=_("短信"))
    def sms_status(self, obj: UnitAlert) -> str:
        if obj.notification is None:
            return str(_("未发送：单位无手机号码"))
        return obj.notification.get_status_display()


@admin.register(UnitAlertSettings)
class UnitAlertSettingsAdmin(SingletonAdmin):
    list_display = ["dispatched", "due_soon", "overdue", "chased", "rehandle", "supervised", "updated_at"]
    fields = ["dispatched", "due_soon", "overdue", "chased", "rehandle", "supervised", "units_without_mobile"]
    readonly_fields = ["units_without_mobile"]

    @admin.display(description=_("无手机号码的承办单位"))
    def units_without_mobile(self, obj: UnitAlertSettings) -> SafeString | str:
        """How many active units have no mobile number in 联系电话, and the first of them."""
        units = list(units_without_mobile().order_by("path").values_list("name", flat=True))
        if not units:
            return str(_("无：每个承办单位都有接收提醒短信的手机号码"))
        head = gettext("%(count)d 个单位收不到提醒短信（联系电话中没有手机号码）：") % {"count": len(units)}
        listed = format_html_join("、", "{}", ((name,) for name in units[:UNITS_LISTED]))
        return format_html("{}{}{}", head, listed, "…" if len(units) > UNITS_LISTED else "")
