"""What the portal stores itself: the tokenised invitations to rate an order online (网上评价)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitInvitation(models.Model):
    """A single-use link sent to the caller to answer the return visit (回访) online.

    Only the SHA-256 of the token is stored: a leaked database does not give working links.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="visit_invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"))
    expires_at = models.DateTimeField(_("失效时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True,
                                   help_text=_("已评价或被新链接取代的时间"))
    visit = models.OneToOneField("tickets.ReturnVisit", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("评价记录"),
                                 help_text=_("通过此链接记录的回访；为空表示未用此链接评价"))

    class Meta:
        verbose_name = _("评价链接")
        verbose_name_plural = _("评价链接")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk} ({self.ticket_id})"
