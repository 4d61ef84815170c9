"""Subscriptions and the delivery log in the admin: replay and retry are admin actions.

What a delivery carried and what its receiver answered are shown masked (docs/security.md): a transfer to a
partner carries the caller's full number, and notes may hold numbers. A subscription's signing secret is
write-only here: shown as its first characters, replaced by typing a new one, shown in full once when generated.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from hotline.core.formfields import WriteOnlySecret
from hotline.core.privacy import masked_json, scrub_public_text
from hotline.webhooks import services
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.forms import SubscriptionForm
from hotline.webhooks.models import Delivery, DeliveryAttempt, Subscription

#: The keys of a payload that hold a phone number (`order.caller.phone` of a transfer to a partner).
_NUMBER_KEYS = frozenset({"phone", "caller_phone", "mobile", "telephone", "tel"})
#: A generated secret's marker (`whsec_`), shown with the first characters after it.
_GENERATED_MARK = "whsec_"
#: How many characters of a secret are shown, and how long it must be for that (a shorter one shows none).
_SECRET_SHOWN, _SECRET_MIN_SHOWN = 4, 16


def masked_payload(value: Any, *, order: Any = None) -> Any:
    """A delivery's payload with phone numbers masked: the values of phone keys (`mask_phone`), and any
    number, identity card number or citizen's name in its other text (`scrub_public_text`; given the
    `order`, its caller's recorded number and name wherever they appear). The caller's `name` is masked too."""
    return masked_json(value, number_keys=_NUMBER_KEYS, order=order)


def masked_text(text: str, order: Any = None) -> str:
    """A receiver's answer or an error as logged, any number in it masked (a receiver may echo the body)."""
    return scrub_public_text(text, order=order)


def masked_order(ticket: Any) -> str:
    """An order as the admin's logs name it: its number and title, numbers and the caller's name in the title
    masked (`Ticket.__str__` shows the title as written, often the description's opening words)."""
    if ticket is None:
        return ""
    return f"{ticket.number} {scrub_public_text(ticket.title, order=ticket)}".strip()


def masked_secret(secret: str) -> str:
    """A secret as the admin shows it: its first characters (after `whsec_`) and an ellipsis, or stars only."""
    mark = _GENERATED_MARK if secret.startswith(_GENERATED_MARK) else ""
    rest = secret[len(mark):]
    if len(rest) < _SECRET_MIN_SHOWN:
        return f"{mark}****" if rest else ""
    return f"{mark}{rest[:_SECRET_SHOWN]}…"


class SubscriptionAdminForm(SubscriptionForm):
    """The subscription form with its secret write-only."""

    secret = WriteOnlySecret(label=_("签名密钥"), max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["secret"]
        if self.instance.pk:
            field.help_text = _("当前密钥：%(secret)s。留空则保留；输入新密钥即替换（接收方须同时更换）") % {
                "secret": masked_secret(self.instance.secret)}
        else:
            field.help_text = _("留空则自动生成，保存后仅显示一次")

    def clean_secret(self) -> str:
        """The typed secret, or the stored (for a new subscription: generated) one."""
        return self.cleaned_data.get("secret") or self.instance.secret


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionAdminForm
    list_display = ["name", "url", "kind", "is_active", "owner", "created_at"]
    list_select_related = ["owner"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "url"]

    def save_model(self, request: HttpRequest, obj: Subscription, form: SubscriptionAdminForm,
                   change: bool) -> None:
        """Save; a secret generated here is shown once, for the receiver (it is never shown again)."""
        super().save_model(request, obj, form, change)
        if not change and not form.data.get("secret"):
            self.message_user(request, gettext("已生成签名密钥（仅显示这一次，请转交接收方）：%(secret)s") % {
                "secret": obj.secret}, messages.WARNING)


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["number", "at", "status_code", "duration_ms", "masked_error", "masked_response"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[DeliveryAttempt]:
        return super().get_queryset(request).select_related("delivery__ticket")

    @admin.display(description=_("错误"))
    def masked_error(self, obj: DeliveryAttempt) -> str:
        """The error of the attempt, any number in it masked."""
        return masked_text(obj.error, obj.delivery.ticket)

    @admin.display(description=_("响应摘要（号码已脱敏）"))
    def masked_response(self, obj: DeliveryAttempt) -> str:
        """The start of the receiver's answer, which may echo the payload: numbers masked."""
        return masked_text(obj.response_excerpt, obj.delivery.ticket)


#: A delivery's fields shown through a method, masked.
_DELIVERY_MASKED = {"payload": "masked_payload", "ticket": "masked_ticket"}


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "event_type", "subscription", "masked_ticket", "status", "attempts", "last_status_code",
                    "next_attempt_at", "created_at", "replay_of"]
    list_filter = ["status", "event_type", "subscription"]
    list_select_related = ["subscription", "ticket", "replay_of__subscription"]
    search_fields = ["event_id", "ticket__number"]
    #: every field read-only, the masked ones through their method (named in `fields` too, or the form would
    #: show the payload itself as an editable field)
    readonly_fields = [_DELIVERY_MASKED.get(f.name, f.name) for f in Delivery._meta.fields]
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["replay", "retry_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("工单"), ordering="ticket")
    def masked_ticket(self, obj: Delivery) -> str:
        """The order, its title masked."""
        return masked_order(obj.ticket)

    @admin.display(description=_("内容（号码已脱敏）"))
    def masked_payload(self, obj: Delivery) -> str:
        """The body as sent, phone numbers (and the caller's name) masked."""
        shown = masked_payload(obj.payload, order=obj.ticket if obj.ticket_id else None)
        return format_html("<pre>{}</pre>", json.dumps(shown, ensure_ascii=False, indent=2, sort_keys=True))

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
