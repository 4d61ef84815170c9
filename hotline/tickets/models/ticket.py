"""The work order (工单) itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connections, models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from hotline.core import clock
from hotline.sla.choices import Light
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.tickets.choices import (
    Channel,
    EmergencyService,
    NotAcceptedReason,
    Sex,
    Status,
)

if TYPE_CHECKING:
    from hotline.accounts.models import User


#: The sequence of the orders' ids, per (database alias, database name).
_ID_SEQUENCES: dict[tuple[str, str], str] = {}


def raised_by_citizens(prefix: str = "") -> models.Q:
    """The condition "a citizen or firm raised this order": every channel but 主动发现 (未诉先办).

    The centre raises proactive orders itself and nobody called about them, so they are no one's demand
    (hot spots, triage, 每月一题 effects) and nobody is answered or called back (直接答复率, 回访率).
    `prefix` reaches the order through a relation, e.g. ``"ticket__"``.
    """
    return ~models.Q(**{f"{prefix}channel": Channel.PROACTIVE})


class TicketQuerySet(models.QuerySet["Ticket"]):
    def from_citizens(self) -> TicketQuerySet:
        """The orders a citizen or firm raised (see `raised_by_citizens`)."""
        return self.filter(raised_by_citizens())

    def can_reserve_id(self) -> bool:
        """Whether `reserve_id` can take an id before the row is written (PostgreSQL's sequence; not SQLite)."""
        return connections[self.db].vendor == "postgresql"

    def reserve_id(self) -> int | None:
        """The id the next order will have, taken from the database's sequence; None where there is none (SQLite).

        With it, the order number (which contains the id) is written with the row: one statement instead of two.
        """
        if not self.can_reserve_id():
            return None
        connection = connections[self.db]
        key = (self.db, connection.settings_dict["NAME"])
        with connection.cursor() as cursor:
            if (sequence := _ID_SEQUENCES.get(key)) is None:  # looked up once per process and database
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.model._meta.db_table])
                sequence = _ID_SEQUENCES[key] = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s::regclass)", [sequence])
            return int(cursor.fetchone()[0])

    def visible_to(self, user: User, *, one: bool = False) -> TicketQuerySet:
        """Where every list, detail, API and export starts: what this person may see.

        Centre staff see every order. Unit staff see orders ever assigned to their units or the units
        below them, or on which those units were consulted (会商), never confidential (保密) ones. Anyone
        else sees nothing. Pass `one=True` when the caller then picks one order (by number or id): the
        rule is then checked on that order alone.
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_centre_staff:
            return self
        if not user.is_unit_staff:
            return self.none()
        from hotline.orgs.models import HandlingUnit
        from hotline.tickets.models.assignment import Assignment
        from hotline.tickets.models.consultation import Opinion

        units = HandlingUnit.objects.subtree_of(list(user.units.all()))
        if one:  # a correlated EXISTS, tested on the one order picked
            return self.filter(Exists(Assignment.objects.filter(ticket=OuterRef("pk"), unit__in=units))
                               | Exists(Opinion.objects.filter(consultation__ticket=OuterRef("pk"), unit__in=units))
                               ).shown_to_units()
        # A list: `id IN (the units' assignments)`, so the database starts from the units' assignments
        # (indexed by unit) instead of testing every order it holds (bench inbox; SQLite plans an EXISTS
        # that way, and materialises an IN list even to check one order).
        # The units' consultations (会商) join as a UNION inside the one IN: an OR of two INs would make
        # PostgreSQL test every order it holds.
        assigned = Assignment.objects.filter(unit__in=units).values("ticket_id").order_by()
        consulted = Opinion.objects.filter(unit__in=units).values("consultation__ticket_id").order_by()
        return self.filter(pk__in=assigned.union(consulted)).shown_to_units()

    def shown_to_units(self) -> TicketQuerySet:
        """What unit staff may see of orders already narrowed to their units: all but confidential (保密) ones."""
        return self.filter(is_confidential=False)


class Ticket(models.Model):
    """A citizen's or firm's request recorded by the centre (工单), from registration to archive.

    Change it only through `hotline.tickets.services`; `version` counts its timeline events and is the
    optimistic-lock token that turns a second, conflicting change into a ConflictError.
    """

    number = models.CharField(_("工单编号"), max_length=20, unique=True, null=True, blank=True)
    query_code = models.CharField(_("查询码"), max_length=8)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    version = models.PositiveIntegerField(default=0, editable=False)

    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices, default=Channel.PHONE)
    request_type = models.CharField(_("诉求类型"), max_length=16, choices=RequestType.choices)
    category = models.ForeignKey(
        "taxonomy.Category", verbose_name=_("诉求分类"), null=True, blank=True, on_delete=models.PROTECT
    )
    urgency = models.CharField(_("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    is_difficult = models.BooleanField(_("疑难"), default=False)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("诉求内容"))

    caller_name = models.CharField(_("来电人"), max_length=50, blank=True)
    caller_sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True, default="")
    caller_phone = models.CharField(_("联系电话"), max_length=32, blank=True, db_index=True)
    caller_company = models.CharField(_("单位/企业"), max_length=100, blank=True)
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    is_confidential = models.BooleanField(_("保密"), default=False)

    address = models.CharField(_("事发地址"), max_length=255, blank=True)
    district = models.ForeignKey(
        "orgs.HandlingUnit", verbose_name=_("区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        "orgs.HandlingUnit", verbose_name=_("街道"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        "orgs.HandlingUnit", verbose_name=_("社区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)

    registered_at = models.DateTimeField(_("受理时间"), db_index=True)
    registered_by = models.ForeignKey(
        "accounts.User", verbose_name=_("受理人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Outcomes of the first step.
    direct_answer = models.TextField(_("直接答复内容"), blank=True)
    transferred_to = models.CharField(_("转至"), max_length=3, choices=EmergencyService.choices, blank=True)
    not_accepted_reason = models.CharField(
        _("不予受理原因"), max_length=20, choices=NotAcceptedReason.choices, blank=True
    )
    master = models.ForeignKey(
        "self", verbose_name=_("并入主工单"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )
    #: The order this one was split from (拆单: one of the other demands of a call that raised several).
    split_from = models.ForeignKey(
        "self", verbose_name=_("拆自工单"), null=True, blank=True, on_delete=models.PROTECT, related_name="split_into"
    )

    # The centre's clock (办结时限) and the light of whichever deadline is running now.
    sla_policy = models.ForeignKey("sla.SlaPolicy", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    close_due = models.DateTimeField(_("办结时限"), null=True, blank=True)
    close_basis = models.CharField(max_length=8, blank=True)
    phase_started_at = models.DateTimeField(null=True, blank=True)
    phase_due = models.DateTimeField(_("当前时限"), null=True, blank=True)
    phase_yellow_at = models.DateTimeField(null=True, blank=True)
    light = models.CharField(_("亮灯"), max_length=8, choices=Light.choices, default=Light.NONE)
    close_overdue = models.BooleanField(_("办结超期"), default=False)
    paused_at = models.DateTimeField(_("暂停于"), null=True, blank=True)
    paused_seconds = models.FloatField(_("累计暂停秒数"), default=0)

    # Counters the KPIs read.
    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    rehandle_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重启次数"), default=0)
    supervision_level = models.PositiveSmallIntegerField(_("督办级别"), default=0)
    #: Citizens' chases on the open order (群众催办), by phone or online; a much-chased order warns of 推诿/拖延.
    chase_count = models.PositiveIntegerField(_("催办次数"), default=0)

    # An online request's acceptance (网上受理): the limit it had, and when the centre's first decision came.
    accept_due = models.DateTimeField(_("网上受理时限"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("网上受理时间"), null=True, blank=True)

    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["status", "registered_at"], name="ticket_status_reg"),
            # Partial indexes for the set-based light sweep: only rows whose light can still change.
            models.Index(fields=["phase_due"], name="ticket_running_due",
                         condition=models.Q(light__in=["green", "yellow"], paused_at__isnull=True)),
            models.Index(fields=["phase_yellow_at"], name="ticket_green_yellow",
                         condition=models.Q(light="green", paused_at__isnull=True)),
            # The few confidential (保密) orders, which units' counts leave out.
            models.Index(fields=["id"], name="ticket_confidential", condition=models.Q(is_confidential=True)),
            # The repeat-call indicator (重复来电率): an earlier order from the same phone in the same category.
            models.Index(fields=["caller_phone", "category", "registered_at"], name="ticket_caller_repeat"),
        ]

    def __str__(self) -> str:
        return f"{self.number or '#' + str(self.pk)} {self.title}"

    @property
    def is_proactive(self) -> bool:
        """Whether the centre raised this order itself (主动发现, 未诉先办): no caller, 现场核查 instead of 回访."""
        return self.channel == Channel.PROACTIVE

    @property
    def identity_withheld(self) -> bool:
        """Whether the caller's identity stays inside the centre: an anonymous (匿名) caller, or the reporter of
        wrongdoing (举报人) whatever the agent ticked — the unit may be the one reported on.

        Units (pages, API, exports, 联系群众) and partners see no name, sex, company or number, and read the texts
        scrubbed (`core.privacy.text_for`); centre staff see everything. It follows the order's type as it is now:
        an order corrected to 举报 (工单更正) is withheld from then on, one corrected away from it is not.
        """
        return self.is_anonymous or self.request_type == RequestType.REPORT

    @property
    def awaiting_acceptance(self) -> bool:
        """An online request the centre has not accepted yet (网上受理: no first decision taken)."""
        return self.accept_due is not None and self.accepted_at is None

    @property
    def accepted_late(self) -> bool:
        """Whether an online request was accepted after its limit (网上受理超时), or still waits past it."""
        if self.accept_due is None:
            return False
        return (self.accepted_at or clock.now()) >= self.accept_due

    @property
    def lead_assignment(self):  # noqa: ANN201 - Assignment | None
        """The active lead (主办) assignment, if the order is with a unit."""
        from hotline.tickets.choices import ACTIVE_ASSIGNMENT, AssignmentRole

        return (
            self.assignments.filter(role=AssignmentRole.LEAD, status__in=ACTIVE_ASSIGNMENT)
            .select_related("unit")
            .first()
        )
