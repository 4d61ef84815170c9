"""Stored reply-quality findings: the ones no check of the reply's text can make (答复质检)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DisputedContact(models.Model):
    """答复称已联系群众，回访时群众表示未被联系: a lead unit's reply claimed 已联系群众 and, at the return visit,
    the citizen said the unit never contacted them (`ReturnVisit.contact_disputed`).

    Recorded once per visit when the visit's step commits (`services.record_disputed_contact`), attributed to
    the unit whose reply made the claim, shown on the order's 答复质检 panel and counted per unit.
    """

    visit = models.OneToOneField("tickets.ReturnVisit", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("回访"))
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="+", verbose_name=_("工单"))
    reply = models.ForeignKey("tickets.Reply", on_delete=models.PROTECT, related_name="+", verbose_name=_("答复"))
    unit = models.ForeignKey("orgs.HandlingUnit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("承办单位"))
    visited_at = models.DateTimeField(_("回访时间"))
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("联系争议")
        verbose_name_plural = _("联系争议")
        ordering = ["visited_at", "id"]
        indexes = [models.Index(fields=["unit", "visited_at"], name="replyqa_dispute_unit_at")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk} ({self.ticket_id})"
