from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hotline.triage.models import Alert, RepeatLink, TriageSettings, UrgencyAssessment, UrgencyRule
from hotline.triage.reasons import describe_reason


@admin.register(UrgencyRule)
class UrgencyRuleAdmin(admin.ModelAdmin):
    """The editable urgency rule list (validated: a bad regex or unknown kind is refused)."""

    list_display = ["name", "kind", "level", "pattern", "unless", "transfer_to", "is_regex", "is_active"]
    list_filter = ["level", "kind", "is_active"]
    search_fields = ["name", "pattern"]


@admin.register(TriageSettings)
class TriageSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "repeat_days", "repeat_similarity", "cluster_hours", "cluster_min_callers"]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return not TriageSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "callers", "updated_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["master", "tickets"]


@admin.register(RepeatLink)
class RepeatLinkAdmin(admin.ModelAdmin):
    list_display = ["ticket", "earlier", "similarity", "described_reason", "created_at"]
    raw_id_fields = ["ticket", "earlier"]

    @admin.display(description=_("依据"))
    def described_reason(self, obj: RepeatLink) -> str:
        return describe_reason(obj.shown_reason)


@admin.register(UrgencyAssessment)
class UrgencyAssessmentAdmin(admin.ModelAdmin):
    list_display = ["ticket", "level", "transfer_to", "life_threatening", "created_at"]
    list_filter = ["level", "life_threatening"]
    raw_id_fields = ["ticket"]
