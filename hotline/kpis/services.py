"""Publishing the monthly bulletin (发布通报): the one state change of the indicators app.

A published edition stores the PDF and the workbook exactly as announced; later changes to the orders
(an appeal upheld, a late reply) change the preview, never a published edition. A correction is a new
edition (更正版) with its reason, replacing the latest one; nothing published is edited or deleted.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.core import clock
from hotline.kpis import constants
from hotline.kpis.bulletin import render_both
from hotline.kpis.models import BulletinEvent, PublishedBulletin
from hotline.kpis.periods import Period, PeriodError, parse_month
from hotline.ops import context
from hotline.tickets.exceptions import ConflictError, NotPermitted, RuleViolation

#: Who may publish the bulletin: the centre roles that assess units and answer for the ranking.
PUBLISH_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN})


def may_publish(user: User) -> bool:
    """督办员, 领导 and 系统管理员 publish the bulletin; everyone else may at most preview or read it."""
    return bool(user.is_authenticated and user.is_active and user.role in PUBLISH_ROLES)


def _month(month: Period | str) -> Period:
    if isinstance(month, Period):
        if month.kind != "month":
            raise RuleViolation(_("通报按月发布：请选择一个月份"))
        return month
    try:
        return parse_month(month)
    except PeriodError as exc:
        raise RuleViolation(str(exc)) from exc


def edition_status(edition: int, at: datetime, *, replaces: int | None, reason: str) -> str:
    """The line a published file carries under its title: its edition, when, and what it corrects."""
    text = _("正式发布版：第 %(edition)s 版，发布于 %(at)s") % {
        "edition": edition, "at": f"{timezone.localtime(at):%Y-%m-%d %H:%M}"}
    if replaces is not None:
        text += _("；更正版，代替第 %(old)s 版；更正原因：%(reason)s") % {"old": replaces, "reason": reason}
    return text


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def publish_bulletin(month: Period | str, *, actor: User, reason: str = "") -> PublishedBulletin:
    """发布通报: freeze the month's bulletin as it stands now (PDF and Excel, with their SHA-256) as the
    next edition, with its audit record, in one transaction.

    Refused (nothing written): someone other than a supervisor, leader or administrator (`NotPermitted`);
    a month not ended yet or a malformed one, or a second edition without a reason (`RuleViolation`);
    the same edition published by someone else at the same moment (`ConflictError`).
    """
    if not may_publish(actor):
        raise NotPermitted(_("只有督办员、领导和系统管理员可以发布通报"))
    period = _month(month)
    now = clock.now()
    if period.end > now:
        raise RuleViolation(_("%(month)s 尚未结束，不能发布通报（可先预览）") % {"month": period.label})
    reason = reason.strip()
    if len(reason) > constants.BULLETIN_REASON_MAX_LENGTH:
        raise RuleViolation(_("更正原因最多 %(max)s 个字") % {"max": constants.BULLETIN_REASON_MAX_LENGTH})
    with transaction.atomic():
        latest = (PublishedBulletin.objects.select_for_update().filter(month=period.first_day)
                  .only("pk", "edition").order_by("-edition").first())
        edition = latest.edition + 1 if latest else 1
        if latest is not None and not reason:
            raise RuleViolation(_("%(month)s 已发布第 %(edition)s 版：发布更正版须写明更正原因") % {
                "month": period.label, "edition": latest.edition})
        with translation.override(settings.LANGUAGE_CODE):  # the announced text, whatever the publisher reads
            files = render_both(period, as_of=now, status=edition_status(
                edition, now, replaces=latest.edition if latest else None, reason=reason))
        try:
            with transaction.atomic():
                published = PublishedBulletin.objects.create(
                    month=period.first_day, edition=edition, replaces=latest, reason=reason if latest else "",
                    published_by=actor, published_at=now, pdf=files["pdf"], xlsx=files["xlsx"],
                    pdf_sha256=_sha256(files["pdf"]), xlsx_sha256=_sha256(files["xlsx"]))
        except IntegrityError as exc:
            raise ConflictError(_("%(month)s 第 %(edition)s 版刚被他人发布：请刷新页面，核对后再决定是否发布更正版") % {
                "month": period.label, "edition": edition}) from exc
        request = context.current()
        BulletinEvent.objects.create(
            bulletin=published, kind=BulletinEvent.Kind.PUBLISHED, at=now, actor=actor,
            ip=(request.ip or None) if request else None, request_id=request.request_id if request else "",
            note=reason, data={"month": period.label, "edition": edition,
                               "replaces": latest.edition if latest else None,
                               "pdf_sha256": published.pdf_sha256, "xlsx_sha256": published.xlsx_sha256})
    return published
