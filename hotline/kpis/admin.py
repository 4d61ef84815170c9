"""The assessment settings in the admin: the factors and the composite weights on one page; the published
bulletins and their audit records, read-only (no add, change or delete permission)."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from hotline.kpis.models import AssessmentSettings, BulletinEvent, IndicatorWeight, PublishedBulletin


class IndicatorWeightInline(admin.TabularInline):
    model = IndicatorWeight
    extra = 1


@admin.register(AssessmentSettings)
class AssessmentSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "basic_factor", "min_volume", "repeat_window_days", "updated_at"]
    inlines = [IndicatorWeightInline]

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
