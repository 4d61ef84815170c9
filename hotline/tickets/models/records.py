"""The records each lifecycle step leaves: returns, extensions, replies, visits, supervision, claims, appeals."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from hotline.tickets.choices import (
    AssignmentRole,
    Decision,
    ReturnReason,
    Satisfaction,
    SupervisionKind,
    SupervisionLevel,
    TerminationReason,
    VisitMethod,
)


class _Decided(models.Model):
    """A request someone at the centre decides on."""

    status = models.CharField(_("审核状态"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)

    class Meta:
        abstract = True


class ReturnRequest(_Decided):
    """A unit's return of an order it holds not to be its duty (退单), with the reason."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="returns")
    assignment = models.ForeignKey("tickets.Assignment", on_delete=models.PROTECT, related_name="returns")
    reason_code = models.CharField(_("退单原因"), max_length=16, choices=ReturnReason.choices)
    reason = models.TextField(_("退单说明"))
    suggested_unit = models.ForeignKey("orgs.HandlingUnit", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", verbose_name=_("建议承办单位"))
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("退单时间"))

    class Meta:
        verbose_name = _("退单")
        verbose_name_plural = _("退单")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk} ({self.ticket_id})"



class Extension(_Decided):
    """A unit's request for more time (延期), in working days, approved or denied by the centre."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="extensions")
    assignment = models.ForeignKey("tickets.Assignment", on_delete=models.PROTECT, related_name="extensions")
    days = models.PositiveSmallIntegerField(_("延期工作日数"))
    reason = models.TextField(_("延期理由"))
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))

    class Meta:
        verbose_name = _("延期")
        verbose_name_plural = _("延期")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk} ({self.ticket_id})"



class Reply(models.Model):
    """A unit's reply (答复) to the citizen and the centre; the centre reviews the lead's reply."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="replies")
    assignment = models.ForeignKey("tickets.Assignment", on_delete=models.PROTECT, related_name="replies")
    author = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("答复时间"))
    content = models.TextField(_("办理结果"))
    public_reply = models.TextField(_("公开答复内容"), blank=True)
    is_truthful = models.BooleanField(_("诉求属实"), null=True)
    beyond_duty = models.BooleanField(_("超职责"), default=False)
    contacted = models.BooleanField(_("已联系群众"))
    resolved = models.BooleanField(_("是否解决"))
    unresolved_reason = models.TextField(_("未解决原因"), blank=True)
    review_status = models.CharField(_("审核状态"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    reviewed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("答复")
        verbose_name_plural = _("答复")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk} ({self.ticket_id})"



class ReturnVisit(models.Model):
    """The centre's call back to the citizen (回访): contacted, resolved, satisfied.

    `contacted` is whether the *centre* reached the citizen; `unit_contacted` is the citizen's own answer to
    「承办单位是否联系过您？」 (None: not asked or not answered — older visits, unreached calls, 现场核查).
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="visits")
    visitor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("回访时间"))
    method = models.CharField(_("回访方式"), max_length=8, choices=VisitMethod.choices, default=VisitMethod.PHONE)
    contacted = models.BooleanField(_("联系上"))
    resolved = models.BooleanField(_("已解决"), null=True)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    unit_contacted = models.BooleanField(_("承办单位联系过群众"), null=True, blank=True,
                                         help_text=_("群众对「承办单位是否联系过您？」的回答；空为未问或未答"))
    note = models.TextField(_("回访记录"), blank=True)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk} ({self.ticket_id})"

    @cached_property
    def reply_claimed_contact(self) -> bool | None:
        """The lead unit's claim (已联系群众) on its latest approved reply before this visit; None without one."""
        return claimed_contact(self.ticket_id, self.created_at)

    @property
    def contact_disputed(self) -> bool:
        """群众表示未被联系，与答复所称不符: the citizen says the unit never contacted them, its reply says it did."""
        return self.unit_contacted is False and self.reply_claimed_contact is True


def claimed_replies(ticket_id: int, at: datetime) -> models.QuerySet[Reply]:
    """The lead unit's approved replies made by `at`, the latest first: the first is the one whose 已联系群众 a
    return visit at `at` is compared with."""
    return Reply.objects.filter(ticket_id=ticket_id, assignment__role=AssignmentRole.LEAD,
                                review_status=Decision.APPROVED, created_at__lte=at).order_by("-created_at", "-id")


def claimed_contact(ticket_id: int, at: datetime) -> bool | None:
    """Whether the lead unit's latest approved reply made by `at` says it contacted the citizen (已联系群众).

    The same reply 响应率 falls back to when the citizen's answer is missing (kpis `_reply_contacted`).
    """
    return claimed_replies(ticket_id, at).values_list("contacted", flat=True).first()


class Supervision(models.Model):
    """A reminder (催办) or formal supervision (督办) with its escalation level."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="supervisions")
    unit = models.ForeignKey("orgs.HandlingUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=SupervisionKind.choices)
    level = models.PositiveSmallIntegerField(_("督办级别"), choices=SupervisionLevel.choices)
    note = models.TextField(_("督办意见"))
    actor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk} ({self.ticket_id})"



class _UnitApplication(_Decided):
    """A unit's application the centre decides on (不合理诉求, 终止办理, 考核申诉): who applied, for which unit, when."""

    unit = models.ForeignKey("orgs.HandlingUnit", on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk} ({self.ticket_id})"


class UnreasonableClaim(_UnitApplication):
    """A unit's application to mark the demand unreasonable (不合理诉求); approved ones leave the assessment."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="unreasonable_claims")
    reason = models.TextField(_("申请理由"))
    applied_at = models.DateTimeField(_("申请时间"))

    class Meta:
        verbose_name = _("不合理诉求")
        verbose_name_plural = _("不合理诉求")



class TerminationRequest(_UnitApplication):
    """A lead unit's application to stop handling the order (终止办理); only the centre's written review ends it."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="termination_requests")
    reason_code = models.CharField(_("终止原因"), max_length=16, choices=TerminationReason.choices)
    reason = models.TextField(_("终止说明"))
    applied_at = models.DateTimeField(_("申请时间"))

    class Meta:
        verbose_name = _("终止办理申请")
        verbose_name_plural = _("终止办理申请")



class Appeal(_UnitApplication):
    """A unit's appeal against the assessment of a closed order (考核申诉); upheld ones leave the assessment."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="appeals")
    reason = models.TextField(_("申诉理由"))
    applied_at = models.DateTimeField(_("申诉时间"))

    class Meta:
        verbose_name = _("考核申诉")
        verbose_name_plural = _("考核申诉")
