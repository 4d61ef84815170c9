"""The form of a second visit's call."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.revisits.choices import Outcome


class OutcomeForm(forms.Form):
    """What the citizen said: solved, back (reopens the order), or not reached (retried later)."""

    outcome = forms.ChoiceField(label=_("回访结果"), choices=Outcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("回访记录"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self) -> dict:
        data = super().clean()
        if data.get("outcome") == Outcome.BACK and not (data.get("note") or "").strip():
            self.add_error("note", _("问题复发时须记录群众反映的情况"))
        return data
