"""The subscription form of the admin and the API: event types as a choice list."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.core import targets
from hotline.webhooks.choices import ALL_EVENTS, EventType
from hotline.webhooks.models import Subscription

EVENT_CHOICES = [(ALL_EVENTS, _("全部事件")), *EventType.choices]


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("接收地址"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(label=_("事件类型"), choices=EVENT_CHOICES, required=False,
                                            widget=forms.CheckboxSelectMultiple,
                                            help_text=_("不选表示全部事件"))

    class Meta:
        model = Subscription
        fields = ["name", "url", "secret", "event_types", "is_active", "owner"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.startswith(("http://", "https://")):
            raise forms.ValidationError(_("接收地址须以 http:// 或 https:// 开头"))
        refused = targets.refusal(url)
        if refused is not None and refused.reason != targets.UNRESOLVED:  # a name not resolving now: checked again
            raise forms.ValidationError(  # before every delivery, like every other name
                _("接收地址不能指向本机、内网或保留地址：%(target)s"), params={"target": refused.target},
                code="private_target")
        return url

    def clean(self) -> dict:
        """Refuse switching on the endpoint of a partner platform that is switched off (停用): what is queued
        for it would be delivered to a partner that was cut off. Entering its address again after switching
        the partner on (对接平台) switches the endpoint on."""
        cleaned = super().clean()
        if cleaned.get("is_active") and self.instance.pk:
            off = (Subscription.objects.filter(pk=self.instance.pk, partner__is_active=False)
                   .values_list("partner__name", flat=True).first())
            if off is not None:
                self.add_error("is_active", forms.ValidationError(
                    _("对接平台「%(partner)s」已停用，不能启用其接收地址：请先启用该对接平台，再在对接平台中重新填写接收地址"),
                    params={"partner": off}, code="partner_off"))
        return cleaned
