from django.contrib import admin

from hotline.open311.models import SubmittedRequest


@admin.register(SubmittedRequest)
class SubmittedRequestAdmin(admin.ModelAdmin):
    """Orders submitted through Open311: read-only, the order itself changes only through its steps."""

    list_display = ["ticket", "service_code", "api_key", "created_at"]
    list_select_related = ["ticket", "api_key"]
    search_fields = ["ticket__number", "token"]
    readonly_fields = [f.name for f in SubmittedRequest._meta.fields]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
