"""The planner's parameters (GET form): targets in percent, times in seconds, with the settings' defaults."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.intelligence import staffing as st
from hotline.planning.constants import setting, target_defaults
from hotline.planning.planner import PlanParams

MODEL_CHOICES = [(st.ERLANG_A, _("Erlang A（含放弃）")), (st.ERLANG_C, _("Erlang C（不含放弃）"))]
BASIS_CHOICES = [(st.OF_OFFERED, _("占呼入量")), (st.OF_ANSWERED, _("占接通量"))]
#: The years a plan may start in (0001-01-01 or 9999-12-25 would overflow the date arithmetic).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _percent(label: Any, low: float, high: float) -> forms.FloatField:
    return forms.FloatField(label=label, min_value=low, max_value=high, required=False)


class PlannerForm(forms.Form):
    """Targets, shrinkage, occupancy cap, patience and handle time of the plan; empty fields take defaults."""

    start = forms.DateField(label=_("起始日期"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    days = forms.IntegerField(label=_("天数"), min_value=1, max_value=14, required=False)
    service_level = _percent(_("服务水平目标（%）"), 0, 99.9)
    answer_within = forms.FloatField(label=_("应答时限（秒）"), min_value=0, max_value=3600, required=False)
    basis = forms.ChoiceField(label=_("服务水平口径"), choices=BASIS_CHOICES, required=False)
    connect = _percent(_("接通率目标（%）"), 0, 99.9)
    shrinkage = _percent(_("损耗率（%）"), 0, 90)
    max_occupancy = _percent(_("最高占用率（%）"), 1, 100)
    patience = forms.FloatField(label=_("平均耐心（秒，空=按历史估计）"), min_value=1, max_value=3600, required=False)
    aht = forms.FloatField(label=_("平均处理时长（秒，空=按历史）"), min_value=1, max_value=7200, required=False)
    model = forms.ChoiceField(label=_("缺口按模型"), choices=MODEL_CHOICES, required=False)

    @staticmethod
    def defaults(today: date) -> dict[str, Any]:
        """The values an empty form stands for."""
        targets = target_defaults()
        return {
            "start": today + timedelta(days=1), "days": int(setting("FORECAST_DAYS")),
            "service_level": round(targets["service_level"] * 100, 1), "answer_within": targets["answer_within"],
            "basis": st.OF_OFFERED, "connect": round(targets["connect"] * 100, 1),
            "shrinkage": round(setting("SHRINKAGE") * 100, 1),
            "max_occupancy": round(setting("MAX_OCCUPANCY") * 100, 1), "patience": None, "aht": None,
            "model": st.ERLANG_A,
        }

    def clean_start(self) -> date | None:
        start = self.cleaned_data.get("start")
        if start is not None and not FIRST_YEAR <= start.year <= LAST_YEAR:
            raise forms.ValidationError(_("日期须在 %(first)s 至 %(last)s 年之间"),
                                        params={"first": FIRST_YEAR, "last": LAST_YEAR})
        return start

    def params(self, today: date) -> PlanParams:
        """The plan's parameters: the cleaned values, defaults for the empty ones."""
        values = self.defaults(today)
        cleaned = self.cleaned_data if self.is_bound else {}
        values.update({k: v for k, v in cleaned.items() if v not in (None, "")})
        targets = st.Targets(
            service_level=values["service_level"] / 100, answer_within=values["answer_within"],
            connect=values["connect"] / 100, max_occupancy=values["max_occupancy"] / 100,
            shrinkage=values["shrinkage"] / 100, service_level_basis=values["basis"],
        )
        return PlanParams(start=values["start"], days=values["days"], targets=targets.validate(),
                          patience=values["patience"], aht=values["aht"], model=values["model"],
                          history_days=int(setting("HISTORY_DAYS")), folds=int(setting("BACKTEST_FOLDS")))
