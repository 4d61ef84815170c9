"""The assessment settings in the admin: the factors and the composite weights on one page; the published
bulletins and their audit records, read-only (no add, change or delete permission)."""

from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import BaseForm
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from hotline.kpis import constants
from hotline.kpis.models import AssessmentSettings, BulletinEvent, IndicatorWeight, PublishedBulletin


def _adding(settings: AssessmentSettings | None) -> bool:
    """The settings are saved for the first time (no row yet): the default weights apply where the form sets none."""
    return settings is None or settings.pk is None


class IndicatorWeightFormSet(BaseInlineFormSet):
    """The composite's weights as submitted: at least one above 0, or no unit gets a composite score and the
    monthly ranking ranks nobody. On the first save an indicator the form does not set keeps its default weight
    (`constants.DEFAULT_WEIGHTS`, what `AssessmentSettings.current()` creates)."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):  # a row was refused: its form says why
            return
        if _adding(self.instance):
            weights: dict[str, Decimal] = dict(constants.DEFAULT_WEIGHTS)
        else:
            weights = dict(IndicatorWeight.objects.filter(settings=self.instance).values_list("indicator", "weight"))
        for form in self.forms:
            if form.instance.pk is not None:  # an existing row: its submitted values replace its stored ones
                weights.pop(form.initial.get("indicator"), None)
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("indicator") is None:
                continue
            weights[data["indicator"]] = data.get("weight") or Decimal("0")
        if not any(weight > 0 for weight in weights.values()):
            raise ValidationError(_("至少一项指标权重须大于 0，否则无法计算综合得分"))


class IndicatorWeightInline(admin.TabularInline):
    """The composite's weights; before the settings are first saved, the default weights in force."""

    model = IndicatorWeight
    formset = IndicatorWeightFormSet
    extra = 1

    def get_extra(self, request: HttpRequest, obj: AssessmentSettings | None = None, **kwargs: Any) -> int:
        return len(constants.DEFAULT_WEIGHTS) if _adding(obj) else self.extra


@admin.register(AssessmentSettings)
class AssessmentSettingsAdmin(admin.ModelAdmin):
    """考核设置: one row. Until it is first saved, the add form shows the default weights (opening it writes
    nothing), and saving it keeps them for every indicator the form does not set."""

    list_display = ["__str__", "basic_factor", "min_volume", "repeat_window_days", "updated_at"]
    inlines = [IndicatorWeightInline]

    def get_formset_kwargs(self, request: HttpRequest, obj: AssessmentSettings, inline: Any, prefix: str
                           ) -> dict[str, Any]:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, IndicatorWeightInline) and _adding(obj):
            kwargs["initial"] = [{"indicator": code, "weight": weight}
                                 for code, weight in constants.DEFAULT_WEIGHTS.items()]
        return kwargs

    def save_related(self, request: HttpRequest, form: BaseForm, formsets: list[Any], change: bool) -> None:
        """The first save: the submitted weights, and the default weight of every indicator the form left unset
        (an unchanged default row is not saved by the formset, an empty inline saves none)."""
        super().save_related(request, form, formsets, change)
        if change:
            return
        settings = form.instance
        present = set(settings.weight_rows.values_list("indicator", flat=True))
        IndicatorWeight.objects.bulk_create(
            IndicatorWeight(settings=settings, indicator=code, weight=weight)
            for code, weight in constants.DEFAULT_WEIGHTS.items() if code not in present)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not AssessmentSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: AssessmentSettings | None = None) -> bool:
        return False


class _ReadOnly(admin.ModelAdmin):
    """Published bulletins and their audit records are read, never added, edited or deleted here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PublishedBulletin)
class PublishedBulletinAdmin(_ReadOnly):
    list_display = ["month", "edition", "published_by", "published_at", "reason", "pdf_sha256", "xlsx_sha256"]
    list_filter = ["month"]
    exclude = ["pdf", "xlsx"]
    readonly_fields = ["files"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PublishedBulletin]:
        return super().get_queryset(request).select_related("published_by").defer("pdf", "xlsx")

    @admin.display(description=_("下载"))
    def files(self, obj: PublishedBulletin) -> str:
        """Links to the stored files (the same downloads as on the bulletin page)."""
        return format_html_join(" · ", '<a href="{}">{}</a>', (
            (reverse("kpis-bulletin-file", args=[obj.label, obj.edition, fmt]), fmt.upper())
            for fmt in ("pdf", "xlsx")))


@admin.register(BulletinEvent)
class BulletinEventAdmin(_ReadOnly):
    list_display = ["at", "kind", "bulletin", "actor", "ip", "note"]
    list_select_related = ["actor", "bulletin"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[BulletinEvent]:
        return super().get_queryset(request).defer("bulletin__pdf", "bulletin__xlsx")
