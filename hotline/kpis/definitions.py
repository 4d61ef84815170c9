"""The written definition of every indicator (指标口径): formula, population, exclusions, and the ORM behind it.

The texts here are the ones `docs/kpis.md` prints and the pages show as the tooltip of each figure
(a test checks that the document carries every formula word for word). Rates are shares of the
population: the numerator's conditions are applied on top of the population's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db.models import DateTimeField, Exists, F, Func, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hotline.kpis.bases import (
    ASSIGNMENTS,
    HOLDING,
    LEADS,
    OPINIONS,
    REPLIES,
    TICKETS,
    VISITS,
    Base,
    Context,
    ended_by_termination,
)
from hotline.kpis.choices import Indicator
from hotline.kpis.visits import valid_visit
from hotline.sla.sweep import assist_sign_moot, awaiting_extension
from hotline.tickets.choices import (
    Action,
    AssignmentRole,
    AssignmentStatus,
    Decision,
    NotAcceptedReason,
    Satisfaction,
    Status,
)
from hotline.tickets.models import (
    Reply,
    ReturnRequest,
    ReturnVisit,
    Ticket,
    TimelineEvent,
    raised_by_citizens,
)

Parts = list[tuple[Q, Decimal]]
_FAR = datetime(3000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Kpi:
    """One indicator: what it counts (base + population), what it rewards (numerator), and its texts."""

    code: str
    english: str
    base: Base | None  # None: computed outside the order database (the telephony queue)
    formula: Promise
    population_text: Promise
    exclusions_text: Promise
    population: Callable[[Context], Q] = lambda ctx: Q()
    numerator: Callable[[Context], Parts] | None = None  # None: a count, not a rate
    annotations: Callable[[Context], dict] = field(default=lambda ctx: {})
    unit_attributed: bool = True  # a unit's own performance (rankable), not the centre's
    cuttable_by_unit: bool = True  # meaningful when cut by unit (direct answers have no unit)
    #: the assessment drops the rows of orders with an approved claim or an upheld appeal (about the handling)
    assessment_exclusions: bool = True

    @property
    def name(self) -> str:
        return Indicator(self.code).label

    @property
    def is_rate(self) -> bool:
        return self.numerator is not None or self.base is None


def _one(q: Q) -> Callable[[Context], Parts]:
    return lambda ctx: [(q, Decimal(1))]


def open_overdue(as_of: datetime) -> Q:
    """An open assignment whose reply deadline has passed by `as_of` (在办超期).

    A paused deadline (待群众补充) is not decided yet: on resume it shifts by the pause, so a paused
    row is overdue only when its deadline had already passed when the pause began (docs/sla.md §7).
    Nor is a deadline held by the unit's extension request filed in time and still undecided (延期待审批,
    docs/sla.md §8): the sweep's own condition (`sla.sweep.awaiting_extension`) leaves it out.
    """
    return (Q(reply_due__lt=as_of) & (Q(paused_at__isnull=True) | Q(reply_due__lt=F("paused_at")))
            & ~awaiting_extension())


def sign_missed(as_of: datetime) -> Q:
    """An assignment still to sign whose sign deadline has passed by `as_of` (超过签收时限仍未签收).

    As for replies (`open_overdue`), a paused one (待群众补充, an assisting unit still to sign) is late only if
    its deadline had already passed when the pause began: on resume the deadline shifts by the pause.
    Nor is an assisting unit that may not sign now (协办签收 closed, as in 待回访: `sla.sweep.assist_sign_moot`)
    unless the sweep had flagged it (`sign_overdue`) while it still could.
    """
    return (Q(status=AssignmentStatus.PENDING_SIGN, sign_due__lt=as_of)
            & (Q(paused_at__isnull=True) | Q(sign_due__lt=F("paused_at")))
            & ~(assist_sign_moot() & Q(sign_overdue=False)))


def withdrawn_by_reassignment() -> Q:
    """Assignments the centre's 改派 (reassignment) itself withdrew: 已撤回 at the very moment of a 改派 on the order.

    `_release` stamps every withdrawn unit's `ended_at` with the step's time, which is also the 改派 event's
    `at` (one `Step`, one transaction), so the match is exact; the subquery starts from the order's timeline
    (the `ticket, seq` index) and compares two stored instants. The event's `withdrawn` id list says the same,
    but membership of a JSON array is neither portable (SQLite has no JSON `contains`) nor indexed. A unit
    released by 同意退单 (accepted return), a merge or a termination ends at another step's time: not one.
    """
    reassigned = TimelineEvent.objects.filter(ticket=OuterRef("ticket_id"), action=Action.REASSIGN,
                                              at=OuterRef("ended_at"))
    return Q(status=AssignmentStatus.WITHDRAWN) & Q(Exists(reassigned))


def returned_unsigned() -> Q:
    """An assignment whose round ended by its own return (退单) before it signed: 退单率 judges it, not 签收及时率.

    Any return on the assignment, except one the centre rejected (驳回退单): that one sent the order back to
    the unit, to sign as before, and made the assignment designated (指定), which no unit may return; so a
    return on a designated assignment is a rejected one. A return still pending when a merge or a termination
    closed it counts as the return that ended the round.
    """
    return Q(Exists(ReturnRequest.objects.filter(assignment=OuterRef("pk")))) & Q(is_designated=False)


def _sign_decided(ctx: Context) -> Q:
    """Assignments whose signing is decided: signed, still to sign past the deadline (`sign_missed`), or ended
    unsigned after the sign deadline had passed (`sign_overdue`: overdue flags are history, docs/sla.md).

    Whatever ended it — a 改派, 办结, 终止办理, 并单 or another unit's accepted return (同意退单) — a missed
    signing stays charged: a unit does not escape by being taken off. A unit ended before its sign deadline
    passed (no flag) is not charged: a dispatcher's mistake is not the unit's. One returned (退单) before
    signing stays out (`returned_unsigned`: 退单率 judges it).
    """
    ended_late = (Q(status__in=[AssignmentStatus.WITHDRAWN, AssignmentStatus.COMPLETED],
                    signed_at__isnull=True, sign_overdue=True) & ~returned_unsigned())
    return Q(signed_at__isnull=False) | sign_missed(ctx.as_of) | ended_late


def reply_awaits_decision() -> Q:
    """A reply made after the deadline while the unit's timely extension request waits (docs/sla.md §8).

    The reply set no `reply_overdue`: the centre's decision judges it (approved: against the new deadline,
    denied: against the old one), so it is not decided yet and stays out of 按时办结率 until then. The
    request is the sweep's `awaiting_extension`, read against the reply deadline (the phase ended at the reply).
    """
    return (Q(replied_at__gt=F("reply_due"), reply_overdue=False)
            & awaiting_extension(since="dispatched_at", due="reply_due"))


def _due(ctx: Context) -> Q:
    """Replied, or past the reply deadline by `as_of` (open overdue orders count against).

    Not yet decided, so left out: a deadline not passed, paused, or held by a timely extension request the
    centre has not decided, and a late reply made while such a request waits (`reply_awaits_decision`).

    A lead released by an approved termination (终止办理) counts against when it was already past its
    reply deadline then (`reply_overdue`, set by the termination): terminating does not clean a late order.
    Likewise a lead that handed the order down (下派) past its reply deadline (`reply_overdue`, set then).
    Only the assignments the termination itself ended: a lead whose return was accepted before is not one.
    Likewise a lead the centre withdrew by 改派 (reassignment) after its reply deadline had passed
    (`withdrawn_by_reassignment` with `reply_overdue`); one withdrawn before any deadline passed stays out.
    """
    late_terminated = ended_by_termination() & Q(reply_overdue=True)
    # A lead that handed the order down (下派) after its reply deadline had passed was late itself.
    late_forwarded = Q(status=AssignmentStatus.FORWARDED, reply_overdue=True)
    # A unit below that let the reply deadline pass and then returned the order up (下派) was late itself.
    late_returned_up = Q(status=AssignmentStatus.RETURNED, forwarded_from__isnull=False, reply_overdue=True)
    # A lead that sat on the order past its reply deadline and was then taken off by 改派 was late itself.
    late_reassigned = withdrawn_by_reassignment() & Q(reply_overdue=True)
    replied = Q(replied_at__isnull=False) & ~reply_awaits_decision()
    unreplied_late = Q(replied_at__isnull=True) & open_overdue(ctx.as_of)
    return (Q(status__in=HOLDING) & (replied | unreplied_late) | late_terminated
            | late_forwarded | late_returned_up | late_reassigned)


def handed_down() -> Q:
    """Lead assignments handed down to a unit below (下派): the unit led the order for a while, so its own
    extensions (延期率) and sent-back replies (重办率) still count."""
    return Q(status=AssignmentStatus.FORWARDED)


def _rehandled(ctx: Context) -> Parts:
    """Its own reply sent back at review, unsatisfied at a return visit on its own approved reply while this unit
    held the order, or reopened after it.

    Tied to the unit's own replies, not to the time its assignment ran: a unit that handed the order down
    (下派) and took it back is not charged for what the unit below's reply met meanwhile.
    """
    until = Coalesce(OuterRef("ended_at"), Value(_FAR, output_field=DateTimeField()))
    sent_back = Reply.objects.filter(assignment=OuterRef("pk"), review_status=Decision.REJECTED)
    own_reply = Reply.objects.filter(assignment=OuterRef(OuterRef("pk")), review_status=Decision.APPROVED,
                                     reviewed_at__lte=OuterRef("at"))
    visited = TimelineEvent.objects.filter(
        Exists(own_reply), action=Action.RETURN_VISIT, to_status=Status.IN_PROGRESS,
        ticket=OuterRef("ticket_id"), at__gte=OuterRef("dispatched_at"), at__lte=until)
    reopened = TimelineEvent.objects.filter(ticket=OuterRef("ticket_id"), action=Action.REOPEN,
                                            at__gte=OuterRef("ended_at"))
    return [(Q(Exists(sent_back)) | Q(Exists(visited))
             | Q(status=AssignmentStatus.COMPLETED, ended_at__isnull=False) & Q(Exists(reopened)), Decimal(1))]


def _visited_in_round() -> Q:
    """回访率's numerator: a visit reached the citizen (联系上) at or after this reply's approval and before the
    order's next approved lead reply, i.e. in this reply's own round.

    A later round's visit answers that round's reply: an order closed unreachable (无法回访), reopened,
    replied and then visited keeps its first round's reply out of the numerator.
    """
    next_approval = Reply.objects.filter(ticket=OuterRef(OuterRef("ticket_id")), assignment__role=AssignmentRole.LEAD,
                                         review_status=Decision.APPROVED,
                                         reviewed_at__gt=OuterRef(OuterRef("reviewed_at")),
                                         reviewed_at__lte=OuterRef("created_at"))
    reached = ReturnVisit.objects.filter(ticket=OuterRef("ticket_id"), contacted=True,
                                         created_at__gte=OuterRef("reviewed_at")).exclude(Exists(next_approval))
    return Q(Exists(reached))


def _final_valid_visit(ctx: Context) -> Q:
    """有效回访: reached, with an answer on resolution and satisfaction; the order's last such visit in the period."""
    valid = valid_visit()
    later = ReturnVisit.objects.filter(
        valid, ticket=OuterRef("ticket_id"), created_at__lt=ctx.end).filter(
        Q(created_at__gt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk")))
    return valid & ~Q(Exists(later))


def _first_valid_visit(ctx: Context) -> Q:
    """The order's first valid return visit ever (首次有效回访); the base keeps the ones made in the period.

    A visit after 重办 is never the first one, even when the first one fell in an earlier period.
    """
    valid = valid_visit()
    earlier = ReturnVisit.objects.filter(valid, ticket=OuterRef("ticket_id")).filter(
        Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk")))
    return valid & ~Q(Exists(earlier))


def _reply_contacted(ctx: Context) -> dict:
    """Whether the lead unit's approved reply before the visit says it contacted the citizen (已联系群众): 响应率's
    fallback for a visit without the citizen's own answer (`ReturnVisit.unit_contacted` null)."""
    latest = Reply.objects.filter(ticket=OuterRef("ticket_id"), assignment__role=AssignmentRole.LEAD,
                                  review_status=Decision.APPROVED, created_at__lte=OuterRef("created_at"))
    return {"_reply_contacted": Subquery(latest.order_by("-created_at", "-id").values("contacted")[:1])}


def _responded() -> Q:
    """Responded (响应): the citizen said the unit contacted them; where the citizen's answer is missing (older
    visits, not asked), the lead unit's own 已联系群众 on its approved reply (`_reply_contacted`) stands in."""
    return Q(unit_contacted=True) | Q(unit_contacted__isnull=True, _reply_contacted=True)


class DaysBefore(Func):
    """The moment `days` whole days before a datetime column, computed by the database's own date functions.

    Django's generic `column - timedelta` calls a Python function for every row on SQLite; here SQLite
    shifts the stored UTC text with `datetime()` and keeps its fraction of a second; PostgreSQL subtracts
    an interval, as Django itself does there. Either way it equals Python's `moment - timedelta(days=days)`.
    """

    output_field = DateTimeField()

    def __init__(self, expression: object, days: int) -> None:
        super().__init__(expression)
        self.days = int(days)

    def as_sql(self, compiler, connection, **extra_context):  # noqa: ANN001, ANN201 - Django's signature
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} - %s)", (*params, timedelta(days=self.days))

    def as_sqlite(self, compiler, connection, **extra_context):  # noqa: ANN001, ANN201
        # Stored as 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC); datetime() drops the fraction, substr() puts it back.
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(datetime({sql}, %s) || substr({sql}, 20))", (*params, f"-{self.days} days", *params)


def _repeat(ctx: Context) -> Parts:
    """Merged into another order, declined as a repeat, or an earlier order from the same phone and category.

    The lookup runs on the index `ticket_caller_repeat` (caller_phone, category, registered_at).
    """
    since = DaysBefore(OuterRef("registered_at"), ctx.repeat_days)
    earlier = Ticket.objects.filter(caller_phone=OuterRef("caller_phone"), category=OuterRef("category"),
                                    registered_at__lt=OuterRef("registered_at"), registered_at__gte=since)
    same_caller = ~Q(caller_phone="") & Q(category__isnull=False) & Q(Exists(earlier))
    return [(Q(status=Status.MERGED) | Q(not_accepted_reason=NotAcceptedReason.REPEAT) | same_caller, Decimal(1))]


def _opinion_decided(ctx: Context) -> Q:
    """Opinions whose timeliness is known: answered, or past the deadline unanswered while the consultation
    was still open (one the desk ended before the deadline asked nothing more of the unit)."""
    waited = Q(consultation__ended_at__isnull=True) | Q(consultation__ended_at__gt=F("consultation__opinions_due"))
    return Q(answered_at__isnull=False) | (Q(answered_at__isnull=True, consultation__opinions_due__lt=ctx.as_of)
                                           & waited)


_NO_EXCLUSION = _("运行口径与考核口径相同（中心指标，不涉及单位考核剔除）")
_UNIT_EXCLUSION = _("考核口径剔除已认定不合理诉求和申诉成立的工单；运行口径不剔除")

KPIS: dict[str, Kpi] = {k.code: k for k in [
    Kpi(Indicator.VOLUME, "Orders registered", TICKETS,
        _("受理量 = 统计期内登记的工单数"),
        _("统计期内登记（受理时间落在期内）的全部工单，含并单"),
        _NO_EXCLUSION, unit_attributed=False),
    Kpi(Indicator.DIRECT_ANSWER, "Direct-answer rate", TICKETS,
        _("直接答复率 = 受理时即时答复办结的工单 ÷ 受理工单（不含并单和主动发现工单）"),
        _("统计期内登记的工单，不含被并入其他工单的重复件和主动发现（未诉先办）工单"),
        _NO_EXCLUSION, population=lambda ctx: ~Q(status=Status.MERGED) & raised_by_citizens(""),
        numerator=_one(Q(status=Status.ANSWERED)), unit_attributed=False, cuttable_by_unit=False),
    Kpi(Indicator.ONLINE_ACCEPT, "On-time online acceptance rate", TICKETS,
        _("网上受理及时率 = 在受理时限内受理的网上诉求 ÷（已受理的网上诉求 + 超过受理时限仍未受理的网上诉求）"),
        _("统计期内登记的网站、微信、App、市长信箱、短信、微博诉求；受理指中心对诉求的首个处置（转派单、派单、直接答复、"
          "转应急、不予受理、并单或发起会商）；时限未到且未受理的暂不计"),
        _NO_EXCLUSION, unit_attributed=False, cuttable_by_unit=False,
        population=lambda ctx: Q(accept_due__isnull=False) & (Q(accepted_at__isnull=False)
                                                              | Q(accept_due__lt=ctx.as_of)),
        numerator=_one(Q(accepted_at__isnull=False, accepted_at__lt=F("accept_due")))),
    Kpi(Indicator.SIGN_TIMELY, "On-time sign rate", ASSIGNMENTS,
        _("签收及时率 = 在签收时限内签收的派单 ÷（已签收的派单 + 超过签收时限仍未签收的派单）"),
        _("统计期内派出的派单（主办与协办，每个单位一条）；未签收即退回的不计，超过签收时限仍未签收的计为超时（被中心改派撤回或工单办结、终止办理、"
          "并单后亦然），签收时限未到且未签收的暂不计"),
        _UNIT_EXCLUSION, population=_sign_decided,
        numerator=_one(Q(signed_at__isnull=False, signed_at__lte=F("sign_due"), sign_overdue=False))),
    Kpi(Indicator.ON_TIME, "On-time completion rate", LEADS,
        _("按时办结率 = 在答复时限内答复的主办工单 ÷（已答复的主办工单 + 超过答复时限仍未答复的主办工单）"),
        _("统计期内派出、仍由该单位主办（未被退回改派）的派单；超期未办结的在办工单计入分母；超过答复时限才下派或被中心改派撤回的计为超期；"
          "时限未到且未答复的暂不计"),
        _UNIT_EXCLUSION, population=_due,
        numerator=_one(Q(replied_at__isnull=False, replied_at__lte=F("reply_due"), reply_overdue=False))),
    Kpi(Indicator.COMPLETION, "Completion rate", LEADS,
        _("办结率 = 经回访办结的主办工单 ÷ 主办工单"),
        _("统计期内派出、仍由该单位主办（未被退回改派）的派单"),
        _UNIT_EXCLUSION, population=lambda ctx: Q(status__in=HOLDING),
        numerator=_one(Q(status=AssignmentStatus.COMPLETED))),
    Kpi(Indicator.RETURN, "Return rate", LEADS,
        _("退单率 = 提出过退单的主办派单 ÷ 主办派单"),
        _("统计期内派出的全部主办派单，含已退回改派的"),
        _UNIT_EXCLUSION,
        numerator=_one(Q(Exists(ReturnRequest.objects.filter(assignment=OuterRef("pk")))))),
    Kpi(Indicator.REHANDLE, "Re-handling rate", LEADS,
        _("重办率 = 被退回重办（审核退回、回访不满意或未解决）或办结后重新启用的主办工单 ÷ 主办工单"),
        _("统计期内派出、仍由该单位主办（未被退回改派）或已由其下派至下级单位的派单"),
        _UNIT_EXCLUSION, population=lambda ctx: Q(status__in=HOLDING) | handed_down(), numerator=_rehandled),
    Kpi(Indicator.EXTENSION, "Extension rate", LEADS,
        _("延期率 = 获批延期的主办工单 ÷ 主办工单"),
        _("统计期内派出、仍由该单位主办（未被退回改派）或已由其下派至下级单位的派单"),
        _UNIT_EXCLUSION, population=lambda ctx: Q(status__in=HOLDING) | handed_down(),
        numerator=_one(Q(extension_count__gt=0))),
    Kpi(Indicator.VISIT, "Return-visit rate", REPLIES,
        _("回访率 = 已回访联系上群众的工单 ÷ 答复审核通过的工单（不含主动发现工单）"),
        _("统计期内审核通过的主办单位答复（每次审核通过一条），不含主动发现（未诉先办）工单的答复（现场核查，不回访）；"
          "多次未联系上群众而办结的工单仍计入"),
        _NO_EXCLUSION, unit_attributed=False, population=lambda ctx: raised_by_citizens("ticket__"),
        numerator=_one(_visited_in_round())),
    Kpi(Indicator.RESPONSE, "Response rate", VISITS,
        _("响应率 = 有效回访中群众表示承办单位联系过的 ÷ 有效回访（群众未回答的，按主办单位答复所称已联系群众计）"),
        _("统计期内的有效回访：联系上群众并对是否解决、是否满意表态（未联系上、未表态的不计），每件工单取期内最后一次"),
        _UNIT_EXCLUSION, population=_final_valid_visit, annotations=_reply_contacted,
        numerator=_one(_responded())),
    Kpi(Indicator.RESOLUTION, "Resolution rate", VISITS,
        _("解决率 = 有效回访中群众认为已解决的 ÷ 有效回访"),
        _("统计期内的有效回访：联系上群众并对是否解决、是否满意表态（未联系上、未表态的不计），每件工单取期内最后一次"),
        _UNIT_EXCLUSION, population=_final_valid_visit, numerator=_one(Q(resolved=True))),
    Kpi(Indicator.FIRST_RESOLUTION, "First-visit resolution rate", VISITS,
        _("首次解决率 = 首次有效回访中群众认为已解决的 ÷ 首次有效回访"),
        _("统计期内的首次有效回访：工单的第一次有效回访落在期内的，每件工单一条；工单此前已有有效回访的不计，"
          "未联系上、未表态的回访和主动发现工单的现场核查不是有效回访"),
        _UNIT_EXCLUSION, population=_first_valid_visit, numerator=_one(Q(resolved=True))),
    Kpi(Indicator.SATISFACTION, "Satisfaction rate", VISITS,
        _("满意率 =（满意 + 折算系数 × 基本满意）÷ 有效回访"),
        _("统计期内的有效回访：联系上群众并对是否解决、是否满意表态（未联系上、未表态的不计），每件工单取期内最后一次"),
        _UNIT_EXCLUSION, population=_final_valid_visit,
        numerator=lambda ctx: [(Q(satisfaction=Satisfaction.SATISFIED), Decimal(1)),
                               (Q(satisfaction=Satisfaction.BASICALLY), ctx.basic_factor)]),
    Kpi(Indicator.OPINION_TIMELY, "On-time consultation opinion rate", OPINIONS,
        _("会商意见及时率 = 在意见时限内答复的会商意见 ÷（已答复的会商意见 + 超过意见时限仍未答复的会商意见）"),
        _("统计期内发起的会商，每个受邀单位一条；意见时限前已定责或撤销而未答复的不计，时限未到且未答复的暂不计"),
        _("运行口径与考核口径相同（会商在派单之前，不合理诉求和申诉针对的是办理，不剔除）"),
        population=_opinion_decided, assessment_exclusions=False,
        numerator=_one(Q(answered_at__isnull=False, answered_at__lte=F("consultation__opinions_due")))),
    Kpi(Indicator.REPEAT, "Repeat-call rate", TICKETS,
        _("重复来电率 = 重复诉求工单 ÷ 受理工单；重复诉求指被并单、以重复诉求不予受理，或同一号码同一分类在判定天数内已有工单"),
        _("统计期内登记的工单，不含主动发现（未诉先办）工单"),
        _NO_EXCLUSION, population=lambda ctx: raised_by_citizens(""), numerator=_repeat, unit_attributed=False),
    Kpi(Indicator.CONNECT, "Call connection rate", None,
        _("接通率 = 接通的来电 ÷ 进线来电（不含 5 秒内放弃的来电）"),
        _("统计期内进入排队的来电（见 docs/calls.md）"),
        _NO_EXCLUSION, unit_attributed=False, cuttable_by_unit=False),
    Kpi(Indicator.SERVICE_LEVEL, "15-second answer rate", None,
        _("15 秒应答率 = 进入排队后 15 秒内接通的来电 ÷ 接通的来电"),
        _("统计期内进入排队的来电（见 docs/calls.md）"),
        _NO_EXCLUSION, unit_attributed=False, cuttable_by_unit=False),
]}

#: The indicators a unit is assessed on, in the order pages show them.
UNIT_INDICATORS = [k for k in KPIS.values() if k.unit_attributed]
