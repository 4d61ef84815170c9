"""Changing a caller profile (来电人档案): one service, which logs who changed what in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.callers.constants import (
    MOBILE_DIGITS,
    NOTE_MAX_LENGTH,
    PHONE_MAX_DIGITS,
    PHONE_MIN_DIGITS,
    TAG_NAME_MAX_LENGTH,
)
from hotline.callers.models import CallerProfile, CallerProfileChange, CallerTag
from hotline.callers.permissions import may_edit
from hotline.core import clock
from hotline.core.entered import entered_text
from hotline.tickets.exceptions import ConflictError, NotPermitted, RuleViolation
from hotline.workbench.intake.selectors import normalise_phone


class ProfileRefused(RuleViolation):
    """A change of a caller profile broke a rule (unknown tag, note too long, not a phone number)."""

    code = "caller_profile_refused"


def profile_number(phone: str) -> str:
    """The number a profile is kept under (normalised as orders store it), or "" when it is no whole number.

    Digits only, 7 to 20 of them; a number starting with 1 must be a whole mainland mobile (11 digits), so
    a mobile still being typed has no profile.
    """
    number = normalise_phone(phone)
    if not (number.isascii() and number.isdecimal() and PHONE_MIN_DIGITS <= len(number) <= PHONE_MAX_DIGITS):
        return ""
    if number.startswith("1") and len(number) != MOBILE_DIGITS:
        return ""
    return number


def _entered(value: str | None, *, what: str, limit: int) -> str:
    """The text stripped; a NUL or over `limit` characters refused as a `ProfileRefused` saying why."""
    try:
        return entered_text(value, what=what, limit=limit)
    except RuleViolation as exc:
        raise ProfileRefused(exc.message) from exc


def tag_names(tags: Iterable[CallerTag]) -> list[str]:
    """Tag names in the tags' own order (排序, then id), as the log keeps them."""
    return [t.name for t in sorted(tags, key=lambda t: (t.sort_order, t.pk))]


@transaction.atomic
def update_profile(phone: str, *, tags: Iterable[str], note: str, actor: User,
                   expected_version: int | None = None) -> CallerProfile:
    """Set the caller's tags (by name) and note; log the change (before/after, who, when) with it.

    Refused, with nothing written: someone who may not change profiles (`NotPermitted`), a number that is
    no whole phone number, a note over 200 characters, a NUL in the note or a tag name (PostgreSQL can
    neither store nor look one up), an unknown tag or an inactive one newly added (`ProfileRefused`), a
    profile changed since `expected_version` was read (`ConflictError`). Setting what is already there
    writes nothing. `expected_version=None` checks no version: pages always pass the one they showed.
    """
    if not may_edit(actor):
        raise NotPermitted(_("只有受理员、派单员、督办员和系统管理员可以修改来电人档案"))
    number = profile_number(phone)
    if not number:
        raise ProfileRefused(_("来电号码不完整或格式不对，无法建立来电人档案"))
    note = _entered(note, what=_("备注"), limit=NOTE_MAX_LENGTH)
    wanted = list(dict.fromkeys(_entered(name, what=_("标签名称"), limit=TAG_NAME_MAX_LENGTH)
                                for name in tags if name and name.strip()))
    found = {t.name: t for t in CallerTag.objects.filter(name__in=wanted)}
    unknown = [name for name in wanted if name not in found]
    if unknown:
        raise ProfileRefused(_("没有这个来电人标签：%(names)s") % {"names": _("、").join(unknown)})

    profile = CallerProfile.objects.select_for_update().filter(phone=number).first()
    if profile is None:
        if not wanted and not note:
            return CallerProfile(phone=number)  # nothing to keep: no row for a number only looked at
        profile, _created = CallerProfile.objects.select_for_update().get_or_create(phone=number)
    if expected_version is not None and expected_version != profile.version:
        raise ConflictError(_("该来电人档案刚被他人修改，请刷新后重新修改"))
    before = list(profile.tags.all())
    switched_off = [t.name for t in found.values() if not t.is_active and t not in before]
    if switched_off:
        raise ProfileRefused(_("来电人标签已停用：%(names)s") % {"names": _("、").join(switched_off)})
    after = list(found.values())
    if {t.pk for t in before} == {t.pk for t in after} and note == profile.note:
        return profile
    now = clock.now()
    profile.version += 1
    note_before, profile.note = profile.note, note
    profile.updated_at, profile.updated_by = now, actor
    profile.save()
    profile.tags.set(after)
    CallerProfileChange.objects.create(
        profile=profile, version=profile.version, at=now, actor=actor,
        tags_before=tag_names(before), tags_after=tag_names(after), note_before=note_before, note_after=note)
    return profile
