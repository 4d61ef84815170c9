"""An order sent to one handling unit (派单): one lead (主办) and any number of assisting (协办) units."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.sla.choices import Light
from hotline.tickets.choices import AssignmentRole, AssignmentStatus


class Assignment(models.Model):
    """The order as one unit holds it, with the deadlines snapshotted at dispatch and its own light."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey("orgs.HandlingUnit", verbose_name=_("承办单位"), on_delete=models.PROTECT,
                             related_name="assignments")
    role = models.CharField(_("主协办"), max_length=8, choices=AssignmentRole.choices)
    status = models.CharField(_("状态"), max_length=16, choices=AssignmentStatus.choices,
                              default=AssignmentStatus.PENDING_SIGN)
    is_designated = models.BooleanField(_("指定派单"), default=False, help_text=_("指定的单位不得退单"))
    dispatched_at = models.DateTimeField(_("派单时间"))
    dispatched_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    # Deadlines snapshotted at dispatch (moved only by pauses and approved extensions).
    sign_due = models.DateTimeField(_("签收时限"))
    #: The axis of `sign_due` (`sla.choices.Basis`), as `reply_basis` is `reply_due`'s: pauses and the time a
    #: return awaited review shift it on this axis, whatever the policy says later. Empty: not recorded
    #: (an import, or written before it was stored): the policy's current sign unit decides (`sla.sign_basis`).
    sign_basis = models.CharField(max_length=8, blank=True, default="")
    return_due = models.DateTimeField(_("退单时限"))
    reply_due = models.DateTimeField(_("答复时限"))
    reply_basis = models.CharField(max_length=8)
    # The deadline running now (sign, then reply) and its light, kept for the set-based sweep.
    phase_started_at = models.DateTimeField(null=True, blank=True)
    phase_due = models.DateTimeField(null=True, blank=True)
    phase_yellow_at = models.DateTimeField(null=True, blank=True)
    light = models.CharField(_("亮灯"), max_length=8, choices=Light.choices, default=Light.GREEN)
    paused_at = models.DateTimeField(null=True, blank=True)
    sign_overdue = models.BooleanField(_("签收超期"), default=False)
    reply_overdue = models.BooleanField(_("答复超期"), default=False)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    #: The assignment of the unit above that handed this one the order (下派); empty for the centre's dispatch.
    forwarded_from = models.ForeignKey("self", verbose_name=_("下派自"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="forwarded_to")

    class Meta:
        verbose_name = _("派单")
        verbose_name_plural = _("派单")
        ordering = ["ticket_id", "role", "id"]
        indexes = [
            # A unit's assignments by status, covering what the inbox tabs count (bench inbox): the
            # counts read this index alone instead of every assignment row.
            models.Index(fields=["unit", "status", "light", "sign_overdue", "reply_overdue", "ticket"],
                         name="assignment_inbox"),
            models.Index(fields=["phase_due"], name="assignment_running_due",
                         condition=models.Q(light__in=["green", "yellow"], paused_at__isnull=True)),
            models.Index(fields=["phase_yellow_at"], name="assignment_green_yellow",
                         condition=models.Q(light="green", paused_at__isnull=True)),
            # The units' duty-phone alerts (承办单位提醒) read the yellow and red lights every minute.
            models.Index(fields=["phase_yellow_at"], name="assignment_yellow_at",
                         condition=models.Q(light="yellow", paused_at__isnull=True)),
            models.Index(fields=["phase_due"], name="assignment_red_due",
                         condition=models.Q(light="red", paused_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.unit} ({self.get_role_display()})"

    @property
    def is_lead(self) -> bool:
        return self.role == AssignmentRole.LEAD
