"""Partners, references and the partner log in the admin (the log is read-only)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hotline.interop import services
from hotline.interop.exceptions import BadTransfer
from hotline.interop.models import ExternalReference, Partner, PartnerMessage


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

    def save_model(self, request: HttpRequest, obj: Partner, form: PartnerForm, change: bool) -> None:
        """The endpoint follows the address field only when it was edited: cleared switches it off."""
        super().save_model(request, obj, form, change)
        if "endpoint_url" not in form.changed_data:
            return
        url = form.cleaned_data.get("endpoint_url")
        if url:
            services.set_endpoint(obj, url)
        else:
            services.clear_endpoint(obj)


@admin.register(ExternalReference)
class ExternalReferenceAdmin(admin.ModelAdmin):
    list_display = ["partner", "direction", "external_id", "ticket", "created_at"]
    list_filter = ["partner", "direction"]
    search_fields = ["external_id", "ticket__number"]
    readonly_fields = ["partner", "direction", "external_id", "ticket", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(PartnerMessage)
class PartnerMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "partner", "direction", "kind", "ticket", "external_id", "delivery"]
    list_filter = ["partner", "direction", "kind"]
    search_fields = ["external_id", "ticket__number"]
    readonly_fields = [f.name for f in PartnerMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
