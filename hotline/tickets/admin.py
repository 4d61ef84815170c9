"""Read-only admin for work orders (工单) and their timeline: an order changes only through the services."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import smart_split
from django.utils.translation import gettext_lazy as _

from hotline.core.admin import SingletonAdmin
from hotline.core.privacy import caller_name_for, data_for, mask_phone, numbers_masked, shows_caller, text_for
from hotline.ops.access import order_shown
from hotline.tickets.models import (
    Assignment,
    ForwardSettings,
    ReturnSettings,
    Ticket,
    TimelineEvent,
    VisitSettings,
)
from hotline.tickets.selectors import note_shown

#: Free text shown in the admin as the order page shows it (`text_for`): as written to centre staff, with a
#: number in it recorded as a full-number view; masked for anyone else (docs/security.md).
_TEXT_FIELDS = {"title": "title_shown", "description": "description_shown"}
#: The caller shown as the order page shows them (`_shows_caller`): an anonymous (匿名) caller or a 举报's reporter
#: to centre staff only.
_CALLER_FIELDS = {"caller_name": "caller_name_shown", "caller_sex": "caller_sex_shown",
                  "caller_phone": "masked_phone", "caller_company": "caller_company_shown"}
#: The person whose admin page is being made (a ModelAdmin is shared by every thread: no state on it).
_viewer: ContextVar[Any] = ContextVar("hotline_admin_viewer", default=None)


def _as_viewed_by(request: HttpRequest, page: Callable[[], HttpResponse]) -> HttpResponse:
    """Make the admin page with `request.user` as the reader of the texts on it, rendered before returning."""
    token = _viewer.set(request.user)
    try:
        response = page()
        if callable(getattr(response, "render", None)) and not getattr(response, "is_rendered", True):
            response.render()  # the texts are read while rendering
        return response
    finally:
        _viewer.reset(token)


def _shows_caller(ticket: Ticket, user: Any) -> bool:
    """The order page's rule (`core.privacy.shows_caller`): an anonymous (匿名) caller, and the reporter of a 举报
    (`Ticket.identity_withheld`), are shown to centre staff only."""
    return shows_caller(ticket, user)


def _sees_full_numbers(user: Any) -> bool:
    """Whether this person reads numbers in an order's texts in full (a centre role, as `core.privacy.text_for`)."""
    return bool(getattr(user, "is_centre_staff", False))


class ReadOnlyMixin:
    """No add, change or delete through the admin; viewing only."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Orders are registered through the intake service, never the admin."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Every change is a lifecycle step taken through a service."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Orders and their history are kept."""
        return False


class AssignmentInline(ReadOnlyMixin, admin.TabularInline):
    """The units the order was sent to, with deadlines and lights."""

    model = Assignment
    extra = 0
    can_delete = False
    show_change_link = False
    fields = ["unit", "role", "status", "is_designated", "dispatched_at", "signed_at", "sign_due", "reply_due",
              "replied_at", "light", "extension_count"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assignment]:
        """Units in one query."""
        return super().get_queryset(request).select_related("unit")


class TimelineInline(ReadOnlyMixin, admin.TabularInline):
    """The order's full timeline (流转记录)."""

    model = TimelineEvent
    extra = 0
    can_delete = False
    fields = ["seq", "at", "actor_label", "unit", "action", "from_status", "to_status", "note_text", "is_public"]
    readonly_fields = fields
    ordering = ["seq"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TimelineEvent]:
        """Units, the actor (whose role decides how a note is shown) and the order in one query."""
        return super().get_queryset(request).select_related("unit", "actor", "ticket")

    @admin.display(description=_("说明"))
    def note_text(self, obj: TimelineEvent) -> str:
        """The note as the order page shows it to this person (`selectors.note_shown`)."""
        return note_shown(obj, obj.ticket, _viewer.get())


@admin.register(Ticket)
class TicketAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Work orders for looking up; the caller's phone is masked in the list."""

    list_display = ["number", "title_shown", "status", "light", "masked_phone", "category", "registered_at"]
    list_filter = ["status", "light", "channel", "request_type", "urgency", "is_confidential", "registered_at"]
    #: No search by the caller's number: whether a number has orders is looked up on the workbench, whose
    #: rules say who may (centre staff); the admin is for looking orders up by number or title.
    search_fields = ["=number", "title"]
    list_select_related = ["category"]
    date_hierarchy = "registered_at"
    ordering = ["-registered_at", "-id"]
    list_per_page = 50
    show_full_result_count = False
    inlines = [AssignmentInline, TimelineInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Ticket | None = None) -> list[str]:
        """Every field is shown read-only, the phone masked: the full number is on the order page, which records
        who saw it (docs/security.md). The title, the description and the caller are shown as the order page shows
        them (an anonymous caller's name, sex, company and number to centre staff only)."""
        renamed = {**_CALLER_FIELDS, **_TEXT_FIELDS}
        return [renamed.get(f.name, f.name) for f in self.model._meta.fields]

    def get_fields(self, request: HttpRequest, obj: Ticket | None = None) -> list[str]:
        return self.get_readonly_fields(request, obj)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):  # noqa: ANN001, ANN201
        """Opening a confidential order here is recorded like on the order page (docs/security.md)."""
        ticket = self.get_object(request, object_id)
        if ticket is not None:
            order_shown(ticket, request.user)
        return _as_viewed_by(request, lambda: super(TicketAdmin, self).change_view(request, object_id, form_url,
                                                                                   extra_context))

    def changelist_view(self, request: HttpRequest, extra_context=None):  # noqa: ANN001, ANN201
        """The list's titles are shown as the order page shows them to this person."""
        return _as_viewed_by(request, lambda: super(TicketAdmin, self).changelist_view(request, extra_context))

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Ticket],
                           search_term: str) -> tuple[QuerySet[Ticket], bool]:
        """Look orders up by number or title; a phone or identity card number (身份证号) matches nothing for someone
        who reads titles with numbers masked, or the search would tell them whether a full number is in a title."""
        if search_term and not _sees_full_numbers(request.user) and any(
                numbers_masked(term) != term for term in smart_split(search_term)):
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Ticket | None:
        """The order, its title as this person may read it (`text_for`): the page's heading and breadcrumbs show
        the order as "number title". The admin never saves an order (read-only)."""
        ticket = super().get_object(request, object_id, from_field)
        if ticket is not None:
            ticket.title = text_for(ticket.title, ticket, request.user)
        return ticket

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj: Ticket) -> str:
        """The caller's phone, masked; none for an anonymous caller or a 举报's reporter unless this person is
        centre staff (`_shows_caller`)."""
        return mask_phone(obj.caller_phone) if _shows_caller(obj, _viewer.get()) else ""

    @admin.display(description=_("来电人"))
    def caller_name_shown(self, obj: Ticket) -> str:
        """The caller's name as the order page shows it to this person (`core.privacy.caller_name_for`)."""
        return caller_name_for(obj, _viewer.get())

    @admin.display(description=_("性别"))
    def caller_sex_shown(self, obj: Ticket) -> str:
        """The caller's sex as the order page shows it to this person (`_shows_caller`)."""
        return obj.get_caller_sex_display() if _shows_caller(obj, _viewer.get()) else ""

    @admin.display(description=_("单位/企业"))
    def caller_company_shown(self, obj: Ticket) -> str:
        """The caller's company as the order page shows it to this person (`_shows_caller`)."""
        return obj.caller_company if _shows_caller(obj, _viewer.get()) else ""

    @admin.display(description=_("标题"))
    def title_shown(self, obj: Ticket) -> str:
        """The title as the order page shows it to this person (`text_for`)."""
        return text_for(obj.title, obj, _viewer.get())

    @admin.display(description=_("诉求内容"))
    def description_shown(self, obj: Ticket) -> str:
        """The description as the order page shows it to this person (`text_for`)."""
        return text_for(obj.description, obj, _viewer.get())


@admin.register(TimelineEvent)
class TimelineEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The append-only timeline, for audit: no add, change or delete."""

    list_display = ["order", "seq", "at", "actor_label", "action", "from_status", "to_status", "is_public"]
    list_filter = ["action", "is_public", "at"]
    search_fields = ["=ticket__number", "actor_label"]
    list_select_related = ["ticket"]
    date_hierarchy = "at"
    list_per_page = 100
    show_full_result_count = False

    #: Shown instead of the field: the note as the order page shows it (`selectors.note_shown`), the data with its
    #: texts read the same way (`core.privacy.data_for`), the order by its number (its title may hold a number).
    SHOWN_AS = {"note": "note_text", "data": "data_shown", "ticket": "order"}

    def get_readonly_fields(self, request: HttpRequest, obj: TimelineEvent | None = None) -> list[str]:
        """Every field is read-only."""
        return [f.name for f in self.model._meta.fields] + list(self.SHOWN_AS.values())

    def get_fields(self, request: HttpRequest, obj: TimelineEvent | None = None) -> list[str]:
        """Every field, the note and the order as `SHOWN_AS` says."""
        return [self.SHOWN_AS.get(f.name, f.name) for f in self.model._meta.fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TimelineEvent]:
        """The order and the actor (whose role decides how a note is shown) in one query."""
        return super().get_queryset(request).select_related("ticket", "actor")

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):  # noqa: ANN001, ANN201
        """Opening an event of a confidential order is recorded like opening the order (docs/security.md)."""
        event = self.get_object(request, object_id)
        if event is not None:
            order_shown(event.ticket, request.user)
        return _as_viewed_by(request, lambda: super(TimelineEventAdmin, self).change_view(
            request, object_id, form_url, extra_context))

    @admin.display(description=_("说明"))
    def note_text(self, obj: TimelineEvent) -> str:
        """The note as the order page shows it to this person (`selectors.note_shown`)."""
        return note_shown(obj, obj.ticket, _viewer.get())

    @admin.display(description=_("事件数据"))
    def data_shown(self, obj: TimelineEvent) -> str:
        """The event's data as JSON, every text in it as the order page shows the order's texts to this person
        (`core.privacy.data_for`: an import's whole title, a correction's old and new values)."""
        shown = data_for(obj.data or {}, obj.ticket, _viewer.get())
        return json.dumps(shown, ensure_ascii=False, sort_keys=True) if shown else ""

    @admin.display(description=_("工单"), ordering="ticket__number")
    def order(self, obj: TimelineEvent) -> str:
        """The order's number, a link to its admin page."""
        return format_html('<a href="{}">{}</a>', reverse("admin:tickets_ticket_change", args=[obj.ticket_id]),
                           obj.ticket.number or f"#{obj.ticket_id}")


@admin.register(VisitSettings)
class VisitSettingsAdmin(SingletonAdmin):
    """The one row of return-visit settings (回访设置)."""

    list_display = ["__str__", "max_attempts", "updated_at"]


@admin.register(ForwardSettings)
class ForwardSettingsAdmin(SingletonAdmin):
    """The one row of 下派设置 (whether orders may be handed down, or dispatched, to communities as lead)."""

    list_display = ["__str__", "to_communities", "updated_at"]


@admin.register(ReturnSettings)
class ReturnSettingsAdmin(SingletonAdmin):
    """The one row of 退单设置 (after how many accepted returns only a designation may send the order on)."""

    list_display = ["__str__", "max_returns", "updated_at"]
