"""The finding 答复称已联系群众，回访时群众表示未被联系 (code `contact_disputed`), built from its stored record."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_noop

from hotline.intelligence.reply_quality import GRADES, PENALTY, Finding, ReplyFindings
from hotline.replyqa.models import DisputedContact

CODE = "contact_disputed"
#: As serious as the other findings a reviewer must not pass over (空答复, 答非所问, 敏感用语 …).
SEVERITY = "high"
MESSAGE = "答复称已联系群众，回访时群众表示未被联系"
#: The evidence, in Chinese as the record; `labels.evidence` shows it in the UI language (the msgid).
EVIDENCE = gettext_noop("%(replied)s 的答复称已联系群众；%(visited)s 回访时群众表示承办单位未联系过本人")


def finding(dispute: DisputedContact) -> Finding:
    """The dispute as a reply-quality finding (`dispute.reply` loaded)."""
    evidence = EVIDENCE % {"replied": f"{timezone.localtime(dispute.reply.created_at):%m-%d %H:%M}",
                           "visited": f"{timezone.localtime(dispute.visited_at):%m-%d %H:%M}"}
    return Finding(CODE, SEVERITY, MESSAGE, evidence)


def with_findings(found: ReplyFindings, extra: list[Finding]) -> ReplyFindings:
    """The check's findings with stored ones added, score and grade counted again as the checker counts them."""
    if not extra:
        return found
    found.findings = [*found.findings, *extra]
    found.score = max(0, 100 - sum(PENALTY[f.severity] for f in found.findings))
    found.grade = next(label for floor, label in GRADES if found.score >= floor)
    return found
