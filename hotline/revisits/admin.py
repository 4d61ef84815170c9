"""Second-visit rules are edited by the centre in the admin (switched off, never deleted); visits are
read-only there."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from hotline.core.admin import ReadOnlyAdmin
from hotline.revisits.models import Attempt, RevisitRule, SecondVisit


@admin.register(RevisitRule)
class RevisitRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "request_type", "delay_days", "max_attempts", "retry_days")
    list_filter = ("is_active", "request_type")
    list_editable = ("is_active",)
    filter_horizontal = ("categories",)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # switch a rule off instead: the visits it planned keep its attempts and spacing


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    readonly_fields = ("at", "by", "outcome", "note")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SecondVisit)
class SecondVisitAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "rule", "state", "closed_at", "due_at", "attempts", "finished_at")
    list_filter = ("state", "rule")
    search_fields = ("ticket__number",)
    raw_id_fields = ("ticket", "close_event", "reopen_event")
    list_select_related = ("ticket", "rule")
    inlines = [AttemptInline]
