"""Admin of the call centre: PBX sources and agent mappings are edited here; events and calls are read-only.

Callers' numbers are shown masked, in the lists and on the pages, like the admin's order page (docs/security.md):
the full number is on the call centre's own pages, which record who saw it. A PBX source's shared secret is
write-only: typed in a password box, never shown back, kept when the box is left blank.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from hotline.calls.models import Agent, Call, Callback, CallbackEvent, CallEvent, PbxSource
from hotline.core.formfields import WriteOnlySecret
from hotline.core.privacy import mask_phone, masked_json, scrub_public_text

#: The keys of a CTI event's payload that hold the caller's number.
_NUMBER_KEYS = frozenset({"caller"})


def masked_payload(value: Any) -> Any:
    """A CTI event's payload with the caller's number masked, and any number or identity card number
    written in its other text (a transfer's destination, a note the PBX passed on) masked too."""
    return masked_json(value, number_keys=_NUMBER_KEYS)


class PbxSourceForm(forms.ModelForm):
    """A PBX source with its shared secret write-only: required for a new source, optional afterwards."""

    secret = WriteOnlySecret(label=_("共享密钥"), max_length=128)

    class Meta:
        model = PbxSource
        fields = ["key", "name", "secret", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["secret"]
        if self.instance.pk:
            field.help_text = _("已设置，不再显示。留空则保留；输入新密钥即替换（交换机须同时更换）")
        else:
            field.required = True
            field.help_text = _("与交换机约定的签名密钥，保存后不再显示")

    def clean_secret(self) -> str:
        """The typed secret, or the stored one when the box was left blank."""
        return self.cleaned_data.get("secret") or self.instance.secret


@admin.register(PbxSource)
class PbxSourceAdmin(admin.ModelAdmin):
    form = PbxSourceForm
    list_display = ("key", "name", "is_active", "created_at")


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("extension", "name", "user")
    list_select_related = ("user",)
    search_fields = ("extension", "name", "user__username", "user__display_name")
    autocomplete_fields = ("user",)


class ReadOnly(admin.ModelAdmin):
    """A log for looking up: no add, change or delete; the fields named in `masked` are shown through the
    admin's method of that name instead (a masked number)."""

    #: model field → the method that shows it masked
    masked: dict[str, str] = {}

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        """Every field read-only, the masked ones through their method."""
        return [self.masked.get(f.name, f.name) for f in self.model._meta.fields if not f.auto_created]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.get_readonly_fields(request, obj)


@admin.register(CallEvent)
class CallEventAdmin(ReadOnly):
    list_display = ("event_id", "type", "at", "call_id", "agent", "received_at")
    list_select_related = ("agent__user",)
    list_filter = ("type",)
    search_fields = ("event_id", "call_id")
    masked = {"payload": "masked_payload"}

    @admin.display(description=_("事件内容（号码已脱敏）"))
    def masked_payload(self, obj: CallEvent) -> str:
        """The event as the PBX sent it, numbers masked."""
        shown = json.dumps(masked_payload(obj.payload), ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", shown)


@admin.register(Call)
class CallAdmin(ReadOnly):
    list_display = ("call_id", "masked_caller", "offered_at", "disposition", "agent", "wait_seconds",
                    "talk_seconds")
    list_select_related = ("agent__user",)
    list_filter = ("disposition",)
    search_fields = ("call_id",)
    masked = {"caller": "masked_caller", "transferred_to": "masked_transferred_to"}

    @admin.display(description=_("来电号码"))
    def masked_caller(self, obj: Call) -> str:
        """The caller's number, masked."""
        return mask_phone(obj.caller)

    @admin.display(description=_("转接至"))
    def masked_transferred_to(self, obj: Call) -> str:
        """Where the call was transferred: an extension as it is, a phone number masked."""
        return scrub_public_text(obj.transferred_to)


@admin.register(Callback)
class CallbackAdmin(ReadOnly):
    list_display = ("pk", "masked_phone", "status", "first_missed_at", "due_at", "attempts", "claimed_by")
    list_select_related = ("claimed_by",)
    list_filter = ("status",)
    masked = {"phone": "masked_phone"}

    @admin.display(description=_("回拨号码"))
    def masked_phone(self, obj: Callback) -> str:
        """The number to call back, masked."""
        return mask_phone(obj.phone)


@admin.register(CallbackEvent)
class CallbackEventAdmin(ReadOnly):
    list_display = ("callback", "at", "action", "from_status", "to_status", "actor")
    list_select_related = ("callback", "actor")
    masked = {"note": "masked_note"}

    @admin.display(description=_("备注"))
    def masked_note(self, obj: CallbackEvent) -> str:
        """The agent's note, any phone number in it masked."""
        return scrub_public_text(obj.note)
