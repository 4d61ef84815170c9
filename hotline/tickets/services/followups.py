"""A citizen's repeat contact on an order still being handled: recorded ON that order, never as a new one.

* 群众催办 `chase` — the citizen chases and brings nothing new: the agent tells them the progress. The event
  is public (the tracking page reads 群众来电催办 / 群众网上催办, never the agent's note, and nothing sent out
  of the centre carries that note). The order's `chase_count` goes up only for a chase while a unit holds the
  order and should act on it (待签收, 办理中: `CHASE_COUNTED`); elsewhere the chase is on the timeline only.
  From the portal (no actor) at most once per order per working day.
* 补充诉求 `supplement` — the citizen adds facts: the text is its own timeline record (the registered
  description stays as it was), shown to the units on the order page; public only on an order that is not
  confidential (保密) and when the text needs no masking (`core.privacy.scrub_public_text` leaves it as is).
  `supplement_and_resume` (补充并恢复办理): on an order waiting for the citizen (待群众补充), the supplement and
  the resumption (恢复办理) together, or neither.

Both keep the status, belong to citizens' orders only (never 未诉先办), and are refused on a merged order
with the master's number (the chase belongs there: the master is the order being handled), before the
version is compared: a merged order is refused however recent the page.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.accounts.models import User
from hotline.core.privacy import scrub_public_text
from hotline.core.transactions import all_or_nothing, in_whole_unit
from hotline.core.workcalendar import is_working_day, next_working_day
from hotline.tickets.choices import Action, FollowUpChannel, Status
from hotline.tickets.constants import MAX_CHASE_NOTE, MAX_SUPPLEMENT
from hotline.tickets.exceptions import ConflictError, DomainError, InvalidTransition, RuleViolation
from hotline.tickets.models import Ticket, TimelineEvent
from hotline.tickets.services._core import begin, service
from hotline.tickets.services.handling import resume
from hotline.tickets.transitions import CHASE_COUNTED

#: Why the portal refuses a second chase the same working day; the page says the same words
#: (`portal_chased_today`: who has the chase depends on where the order is).
PORTAL_CHASED_TODAY = gettext_lazy("该工单本工作日已催办过，承办单位已收到您的催办。每个工作日可网上催办一次（周末、节假日计入下一个工作日），如有新情况请致电 12345 补充。")
#: The same before any unit holds the order (待派单, 退单待审): the centre has the chase and will dispatch.
PORTAL_CHASED_TODAY_AT_CENTRE = gettext_lazy("该工单本工作日已催办过，已记录您的催办，热线中心将尽快派单。每个工作日可网上催办一次（周末、节假日计入下一个工作日），如有新情况请致电 12345 补充。")
#: The same once the unit has replied and the centre reviews the reply (已办理，答复审核中).
PORTAL_CHASED_TODAY_IN_REVIEW = gettext_lazy("该工单本工作日已催办过，热线中心已收到您的催办，正在审核办理结果。每个工作日可网上催办一次（周末、节假日计入下一个工作日），如有新情况请致电 12345 补充。")


def portal_chased_today(status: str) -> str:
    """Why a second portal chase the same working day is refused, in words that fit the order's status: no
    unit is said to have received a chase while none holds the order."""
    if status in (Status.PENDING_DISPATCH, Status.RETURNED):
        return str(PORTAL_CHASED_TODAY_AT_CENTRE)
    if status == Status.REPLIED:
        return str(PORTAL_CHASED_TODAY_IN_REVIEW)
    return str(PORTAL_CHASED_TODAY)


def working_day_of(moment: datetime) -> date:
    """The working day a moment counts for: its own date, or the next working day after a weekend or holiday."""
    day = timezone.localtime(moment).date()
    return day if is_working_day(day) else next_working_day(day)


def chased_online_today(ticket: Ticket, now: datetime) -> bool:
    """Whether the order already has a portal chase counting for the working day of `now`."""
    last = (TimelineEvent.objects.filter(ticket=ticket, action=Action.CHASE, data__channel=FollowUpChannel.PORTAL)
            .order_by("-seq").values_list("at", flat=True).first())
    return last is not None and working_day_of(last) == working_day_of(now)


def _expect(ticket: Ticket, expected_version: int | None) -> None:
    """Refuse a page or call made on an earlier version of the order (the optimistic lock)."""
    if expected_version is not None and expected_version != ticket.version:
        raise ConflictError(_("工单已被他人处理，请刷新后重试"))


def _not_merged(ticket: Ticket, action: str) -> None:
    """A merged order (已并单) is handled as its master: name the master, before the table's plain refusal."""
    row = Ticket.objects.filter(pk=ticket.pk).values("status", "number", "master__number").first()
    if row and row["status"] == Status.MERGED and row["master__number"]:
        raise InvalidTransition(
            _("工单%(number)s当前状态为「%(status)s」，已并入工单%(master)s：请在主工单%(master)s上「%(action)s」")
            % {"number": row["number"], "status": Status.MERGED.label, "master": row["master__number"],
               "action": Action(action).label})


def _text(value: str, limit: int, missing: str) -> str:
    text = (value or "").strip()
    if not text:
        raise RuleViolation(missing)
    if len(text) > limit:
        raise RuleViolation(_("内容不能超过 %(limit)d 个字（现有 %(count)d 个字）") % {"limit": limit, "count": len(text)})
    return text


@service
def chase(ticket: Ticket, *, actor: User | None, note: str = "", expected_version: int | None = None) -> Ticket:
    """The citizen chases the open order (群众催办): a public event, one more on `chase_count` if it counts.

    With an actor, the centre's staff record a call (`channel` phone) and must say what was told; without
    one, the citizen chased on the portal (`channel` portal, at most once per working day, note optional).
    The count goes up only while a unit holds the order and should act (`CHASE_COUNTED`); the event's data
    says whether it did (`counted`).
    """
    _not_merged(ticket, Action.CHASE)
    _expect(ticket, expected_version)
    step = begin(ticket, Action.CHASE, actor)
    channel = FollowUpChannel.PHONE if actor is not None else FollowUpChannel.PORTAL
    if channel == FollowUpChannel.PORTAL:
        note = (note or "").strip()[:MAX_CHASE_NOTE] or "群众通过网上进度查询催办"
        if chased_online_today(ticket, step.at):
            raise RuleViolation(portal_chased_today(step.before))
    else:
        note = _text(note, MAX_CHASE_NOTE, _("请填写催办内容（群众反映的情况、告知的进度）"))
    counted = step.before in CHASE_COUNTED
    if counted:
        ticket.chase_count += 1
    return step.commit(note=note, data={"channel": channel, "count": ticket.chase_count, "counted": counted},
                       public=True)


@service
def supplement(ticket: Ticket, *, actor: User, text: str, expected_version: int | None = None) -> Ticket:
    """The citizen adds new facts to the open order (补充诉求): their own record, for the units handling it.

    The registered description is not touched. Public only if the order is not confidential and the text
    holds nothing the public scrub would mask (a phone number, an identity card number, a full name,
    the caller's own name or number).
    """
    _not_merged(ticket, Action.SUPPLEMENT)
    _expect(ticket, expected_version)
    step = begin(ticket, Action.SUPPLEMENT, actor)
    text = _text(text, MAX_SUPPLEMENT, _("请填写群众补充的内容"))
    public = not ticket.is_confidential and scrub_public_text(text, order=ticket) == text
    return step.commit(note=text, data={"channel": FollowUpChannel.PHONE}, public=public)


#: The note of the resumption taken with a supplement (stored in Chinese, like every timeline note).
RESUMED_ON_SUPPLEMENT = "群众来电补充情况，恢复办理"


def supplement_and_resume(ticket: Ticket, *, actor: User, text: str, expected_version: int | None = None) -> Ticket:
    """补充并恢复办理: the citizen brings what the unit asked for (待群众补充): the supplement, then 恢复办理.

    Both steps or neither (`all_or_nothing`): a refused resumption (the order no longer waits for the citizen,
    a role that may not resume) leaves no supplement behind. The order goes back to 办理中, its clock restarted.
    """
    try:
        with all_or_nothing():
            supplement(ticket, actor=actor, text=text, expected_version=expected_version)
            return resume(ticket, actor=actor, note=RESUMED_ON_SUPPLEMENT)
    except DomainError:
        if ticket.pk and not in_whole_unit():
            ticket.refresh_from_db()
        raise
