"""The append-only timeline (流转记录) of every order."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.tickets.choices import Action, Status, VisitMethod


class TimelineIsAppendOnly(Exception):
    """Raised on any attempt to edit or delete a timeline event."""


class TimelineQuerySet(models.QuerySet["TimelineEvent"]):
    def update(self, **kwargs):  # noqa: ANN003, ANN201
        raise TimelineIsAppendOnly("timeline events cannot be edited")

    def delete(self):  # noqa: ANN201
        raise TimelineIsAppendOnly("timeline events cannot be deleted")

    def public(self) -> TimelineQuerySet:
        """The events a citizen may see on the tracking page."""
        return self.filter(is_public=True)


class TimelineEvent(models.Model):
    """One step in an order's life: who did what, when, and the status before and after.

    Written by the service in the same transaction as the change. `seq` equals the order's `version`
    after the change. Database triggers refuse UPDATE and DELETE as well (see the migration).
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="timeline")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(_("操作人"), max_length=100)
    unit = models.ForeignKey("orgs.HandlingUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("动作"), max_length=24, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=Status.choices)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    is_public = models.BooleanField(_("公开"), default=False)

    objects = TimelineQuerySet.as_manager()

    class Meta:
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")
        ordering = ["ticket_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["ticket", "seq"], name="uniq_timeline_seq")]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None or not self._state.adding:
            raise TimelineIsAppendOnly("timeline events cannot be edited")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # noqa: ANN201
        raise TimelineIsAppendOnly("timeline events cannot be deleted")

    @property
    def label(self) -> str:
        """The step's name as shown: a proactive order's check (回访 with `verified`) reads 现场核查."""
        if self.action == Action.RETURN_VISIT and (self.data or {}).get("verified"):
            return str(VisitMethod.VERIFY.label)
        return str(self.get_action_display())


class FollowUpReceipt(models.Model):
    """A committed step whose follow-up ran to the end: every receiver of `ticket_changed` returned.

    Written by `signals.send_step` wherever the step was delivered (inline or in a worker). A step
    without one some minutes after it committed was lost on the way (a web process killed before
    queueing it, a broker restarted with messages in it): `hotline.tasks.repair` delivers it again.
    A plain id rather than a foreign key: the receipt never blocks or outlives anything.
    """

    event_id = models.BigIntegerField(primary_key=True)
    done_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("后续处理回执")
        verbose_name_plural = _("后续处理回执")

    def __str__(self) -> str:
        return f"event {self.event_id} followed up {self.done_at:%Y-%m-%d %H:%M:%S}"
