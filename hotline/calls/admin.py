"""Admin of the call centre: PBX sources and agent mappings are edited here; events and calls are read-only."""

from django.contrib import admin

from hotline.calls.models import Agent, Call, Callback, CallbackEvent, CallEvent, PbxSource


@admin.register(PbxSource)
class PbxSourceAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "is_active", "created_at")


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("extension", "name", "user")
    search_fields = ("extension", "name", "user__username", "user__display_name")
    autocomplete_fields = ("user",)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(CallEvent)
class CallEventAdmin(ReadOnly):
    list_display = ("event_id", "type", "at", "call_id", "agent", "received_at")
    list_filter = ("type",)
    search_fields = ("event_id", "call_id")


@admin.register(Call)
class CallAdmin(ReadOnly):
    list_display = ("call_id", "offered_at", "disposition", "agent", "wait_seconds", "talk_seconds")
    list_filter = ("disposition",)
    search_fields = ("call_id",)


@admin.register(Callback)
class CallbackAdmin(ReadOnly):
    list_display = ("pk", "status", "first_missed_at", "due_at", "attempts", "claimed_by")
    list_filter = ("status",)


@admin.register(CallbackEvent)
class CallbackEventAdmin(ReadOnly):
    list_display = ("callback", "at", "action", "from_status", "to_status", "actor")
