"""Consultations (会商): before an unclear order is dispatched, the candidate units say whose duty it is."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.tickets.choices import ConsultationStatus, Stance


class Consultation(models.Model):
    """The dispatch desk's question to several units about who holds the matter, and its conclusion (定责)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="consultations")
    question = models.TextField(_("会商事项"))
    status = models.CharField(_("会商状态"), max_length=10, choices=ConsultationStatus.choices,
                              default=ConsultationStatus.OPEN)
    started_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("发起时间"))
    opinions_due = models.DateTimeField(_("意见时限"))
    ended_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    conclusion = models.TextField(_("定责意见"), blank=True)
    lead = models.ForeignKey("orgs.HandlingUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("定责主办单位"))
    assisting = models.ManyToManyField("orgs.HandlingUnit", blank=True, related_name="+",
                                       verbose_name=_("定责协办单位"))

    class Meta:
        verbose_name = _("会商")
        verbose_name_plural = _("会商")
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket"], condition=models.Q(status="open"),
                                    name="consultation_one_open_per_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk} ({self.ticket_id})"


class Opinion(models.Model):
    """One invited unit's answer in a consultation (会商意见): its stance and the duty list it rests on."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="opinions")
    unit = models.ForeignKey("orgs.HandlingUnit", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("会商单位"))
    stance = models.CharField(_("意见"), max_length=10, choices=Stance.choices, blank=True)
    basis = models.TextField(_("职责依据"), blank=True)
    suggested_unit = models.ForeignKey("orgs.HandlingUnit", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name=_("建议承办单位"))
    author = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    #: The first answer (what the opinions' deadline judges); a revision only moves `revised_at`.
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    revised_at = models.DateTimeField(_("修改时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("会商意见")
        verbose_name_plural = _("会商意见")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["consultation", "unit"], name="opinion_one_per_unit")]
        indexes = [models.Index(fields=["unit", "consultation"], name="opinion_by_unit")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk} ({self.unit_id})"
