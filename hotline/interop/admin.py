"""Partners, references and the partner log in the admin (the log is read-only).

A partner's note in the log is shown with numbers masked (docs/security.md); what a message carried is on
its delivery's page, masked too (hotline/webhooks/admin.py). A partner's key is shown by its name and prefix
only, and an endpoint's signing secret once, when the admin creates the endpoint.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.core.admin import ReadOnlyAdmin
from hotline.core.privacy import scrub_public_text
from hotline.interop import backlog, services
from hotline.interop.exceptions import BadTransfer
from hotline.interop.models import ExternalReference, Partner, PartnerMessage
from hotline.webhooks.admin import masked_order

#: How much of a message's summary the log's list shows.
_LIST_SUMMARY = 60


class PartnerForm(forms.ModelForm):
    endpoint_url = forms.URLField(label=_("接收地址"), required=False, assume_scheme="https",
                                  help_text=_("转出和进展回传发送到此地址，签名方式同事件推送"))

    class Meta:
        model = Partner
        fields = ["code", "name", "kind", "emergency_service", "unit", "api_key", "is_active"]

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        if self.instance.endpoint_id and self.instance.endpoint.is_active:  # a switched-off endpoint shows blank
            self.fields["endpoint_url"].initial = self.instance.endpoint.url

    def clean_endpoint_url(self) -> str:
        """Not an address on the centre's own network (loopback, private, link-local …)."""
        url = self.cleaned_data.get("endpoint_url") or ""
        if url and "endpoint_url" in self.changed_data:
            try:
                services.check_endpoint_target(url)
            except BadTransfer as exc:
                raise forms.ValidationError(str(exc), code="private_target") from None
        return url


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    form = PartnerForm
    list_display = ["code", "name", "kind", "emergency_service", "unit", "api_key", "endpoint", "is_active"]
    list_filter = ["kind", "is_active"]
    readonly_fields = ["endpoint"]

    actions = ["switch_off", "switch_on"]

    def save_model(self, request: HttpRequest, obj: Partner, form: PartnerForm, change: bool) -> None:
        """The endpoint follows the address field only when it was edited: cleared switches it off. A partner
        switched off (停用) here is switched off as everywhere (`services.switch_off`): its endpoint too, so
        that nothing queued for it is delivered any more. One switched on again is told how many held messages
        were given up (older than `HELD_LIMIT`)."""
        stale = backlog.backlog(obj.pk).stale if change and obj.is_active and "is_active" in form.changed_data else 0
        super().save_model(request, obj, form, change)
        if stale:
            self._given_up(request, stale)
        if not obj.is_active:
            services.switch_off(obj)
            return
        if "endpoint_url" not in form.changed_data:
            return
        url = form.cleaned_data.get("endpoint_url")
        if url:
            had_endpoint = bool(obj.endpoint_id)
            endpoint = services.set_endpoint(obj, url)
            if not had_endpoint:  # a generated secret: the partner needs it, and it is never shown again
                self.message_user(request, gettext("已生成签名密钥（仅显示这一次，请转交对方）：%(secret)s") % {
                    "secret": endpoint.secret}, messages.WARNING)
        else:
            services.clear_endpoint(obj)

    @admin.action(description=_("停用所选对接平台"))
    def switch_off(self, request: HttpRequest, queryset: QuerySet[Partner]) -> None:
        """Switch each selected partner off through `services.switch_off`; each leaves an entry in the admin
        history (the change trail records the partner and its endpoint)."""
        switched = 0
        for partner in queryset.order_by("code"):
            if services.switch_off(partner):
                self.log_change(request, partner, gettext("停用对接平台；其接收地址已停用，待发送的消息不再发送"))
                switched += 1
        self.message_user(request, gettext("已停用 %(n)d 个对接平台") % {"n": switched}, messages.SUCCESS)

    @admin.action(description=_("启用所选对接平台"))
    def switch_on(self, request: HttpRequest, queryset: QuerySet[Partner]) -> None:
        """Switch each selected partner on again (`services.switch_on`); its endpoint stays off until its
        address is entered again in its form."""
        switched = given_up = 0
        for partner in queryset.order_by("code"):
            stale = backlog.backlog(partner.pk).stale if not partner.is_active else 0
            if services.switch_on(partner):
                self.log_change(request, partner, gettext("启用对接平台；接收地址须重新填写后才会启用"))
                switched += 1
                given_up += stale
        self.message_user(request, gettext("已启用 %(n)d 个对接平台；接收地址须在各平台页面重新填写后才会启用")
                          % {"n": switched}, messages.SUCCESS)
        if given_up:
            self._given_up(request, given_up)

    def _given_up(self, request: HttpRequest, count: int) -> None:
        self.message_user(request, gettext("停用期间积压超过24小时的 %(n)d 条消息已过期未发送，请电话联系对方")
                          % {"n": count}, messages.WARNING)


@admin.register(ExternalReference)
class ExternalReferenceAdmin(admin.ModelAdmin):
    """A partner's order number mapped to ours, shown only: deleting one would let the partner's retry of the
    same transfer create a duplicate order, so it cannot be added or deleted here."""

    list_display = ["partner", "direction", "external_id", "masked_ticket", "created_at"]
    list_filter = ["partner", "direction"]
    list_select_related = ["partner", "ticket"]
    search_fields = ["external_id", "ticket__number"]
    readonly_fields = ["partner", "direction", "external_id", "masked_ticket", "created_at"]
    fields = readonly_fields

    @admin.display(description=_("工单"), ordering="ticket")
    def masked_ticket(self, obj: ExternalReference) -> str:
        """The order, its title masked."""
        return masked_order(obj.ticket)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


#: A partner message's fields shown through a method, masked.
_MESSAGE_MASKED = {"summary": "masked_summary", "ticket": "masked_ticket"}


@admin.register(PartnerMessage)
class PartnerMessageAdmin(ReadOnlyAdmin):
    """The partner log (对接日志): every exchange, read-only (never added, changed or deleted here)."""

    list_display = ["created_at", "partner", "direction", "kind", "masked_ticket", "external_id", "short_summary",
                    "delivery"]
    list_filter = ["partner", "direction", "kind"]
    list_select_related = ["partner", "ticket", "delivery__subscription"]
    search_fields = ["external_id", "ticket__number"]
    #: every field read-only, the masked ones through their method
    readonly_fields = [_MESSAGE_MASKED.get(f.name, f.name) for f in PartnerMessage._meta.fields]
    fields = readonly_fields

    @admin.display(description=_("工单"), ordering="ticket")
    def masked_ticket(self, obj: PartnerMessage) -> str:
        """The order, its title masked."""
        return masked_order(obj.ticket)

    @admin.display(description=_("摘要"))
    def masked_summary(self, obj: PartnerMessage) -> str:
        """The summary (a partner's note, up to 2000 characters), numbers and the caller's name masked."""
        return scrub_public_text(obj.summary, order=obj.ticket if obj.ticket_id else None)

    @admin.display(description=_("摘要"))
    def short_summary(self, obj: PartnerMessage) -> str:
        """The masked summary's start, for the list."""
        return Truncator(self.masked_summary(obj)).chars(_LIST_SUMMARY)
