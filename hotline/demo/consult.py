"""会商 in the demo: a handful of orders whose duty is unclear are consulted on before dispatch.

Each topic is a matter the units of a real city argue about (占道经营 between 城管 and 市场监管, 餐饮油烟
between 城管 and 生态环境, …): the units invited, what each answers and on which duty list, and what the
desk decides. The orders are chosen by their title, in message order (not by time), so the same demo
always consults on the same orders:

- the first topic stays open waiting for 城管's opinion (the demo account `chengguan` answers it);
- the second stays open with every opinion in, waiting for the desk's conclusion (`dispatcher`);
- the others were concluded weeks ago, dispatched as a designation, and handled on like any order.

The open ones are moved to the last hours, so they are open whatever day the demo is loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from hotline.orgs.models import HandlingUnit
from hotline.tickets import services as svc
from hotline.tickets.choices import Stance

if TYPE_CHECKING:
    from hotline.demo.orders import OrderPlan
    from hotline.demo.orgs import CityUnits
    from hotline.demo.walk import OrderWalk

#: The order's own street (属地街道), as a unit code of a topic.
STREET = "STREET"


class Stage:
    """How far an order's consultation has got by now."""

    AWAITING = "awaiting"  # an invited unit has not answered yet
    ANSWERED = "answered"  # every unit answered; the desk has not concluded
    CONCLUDED = "concluded"  # 会商定责: dispatched as a designation


@dataclass(frozen=True)
class Topic:
    """A matter of unclear duty: the title words that find it, the question, the units' answers, the decision."""

    name: str
    words: tuple[str, ...]
    question: str
    #: unit code (or STREET) → (stance, duty basis, suggested unit code or "").
    opinions: dict[str, tuple[str, str, str]]
    lead: str
    assisting: tuple[str, ...] = ()
    conclusion: str = ""
    #: The unit that has not answered yet when the consultation is left waiting.
    pending: str = "DEPT-CG"


TOPICS: list[Topic] = [
    Topic("占道经营", ("占道", "摆摊", "摊贩", "夜市"),
          "占道经营、流动摊贩的查处涉及城管执法与市场监管的职责边界，派单目录未明确，请两单位依据权责清单提出意见。",
          {"DEPT-SJ": (Stance.NOT_OURS, "依据本局权责清单，市场监管负责已登记经营主体的经营行为监管；无固定经营场所的"
                                        "占道经营、流动摊贩不在本局职责范围。", "DEPT-CG"),
           "DEPT-CG": (Stance.LEAD, "依据《城市市容和环境卫生管理条例》第十四条及本局权责清单，擅自占用城市道路摆摊"
                                    "设点由城管执法部门查处。", "")},
          lead="DEPT-CG", assisting=("DEPT-SJ",),
          conclusion="占道经营属城市道路市容秩序管理，依据城管执法局权责清单由其主办；涉及无照经营的由市场监管局协办。"),
    Topic("楼道堆物", ("楼道", "消防通道", "杂物", "堆物", "堆放"),
          "小区及周边公共区域（含楼道、消防通道）堆放杂物、垃圾长期无人清理，涉及属地街道与物业监管部门的职责，"
          "请各单位提出意见。",
          {STREET: (Stance.LEAD, "依据《街道履职事项清单》，辖区居民小区公共区域环境秩序和消防安全隐患排查整治属街道"
                                 "属地管理职责，可牵头组织清理。", ""),
           "DEPT-ZJ": (Stance.ASSIST, "依据本局权责清单，物业服务活动的监督管理属本局职责，可督促物业服务企业履行"
                                      "清理义务，配合街道处理。", "")},
          lead=STREET, assisting=("DEPT-ZJ",), pending="DEPT-ZJ"),
    Topic("餐饮油烟", ("油烟", "烧烤"),
          "餐饮服务业油烟扰民的查处涉及生态环境与城管执法的职责划分，请两单位依据职责提出意见。",
          {"DEPT-HB": (Stance.NOT_OURS, "依据《大气污染防治法》第一百一十八条及本市相对集中行政处罚权的规定，城市建成区"
                                        "餐饮服务业油烟污染由城管执法部门查处。", "DEPT-CG"),
           "DEPT-CG": (Stance.LEAD, "依据本局权责清单“餐饮服务业油烟污染的查处”一项，属本局职责，可主办。", "")},
          lead="DEPT-CG",
          conclusion="依据《大气污染防治法》及城管执法局权责清单，餐饮油烟由城管执法局主办，不得退单。"),
    Topic("违法建设", ("违建", "违章", "违法建设", "搭建"),
          "已建成违法建设的认定与拆除涉及规划、城管执法和属地街道，请各单位依据职责提出意见。",
          {"DEPT-ZG": (Stance.NOT_OURS, "依据本局权责清单，本局负责规划许可和违法建设的认定；已建成违法建设的查处"
                                        "拆除由城管执法部门负责。", "DEPT-CG"),
           "DEPT-CG": (Stance.LEAD, "依据《城乡规划法》第六十四条及本市相对集中行政处罚权的规定，城区违法建设的查处"
                                    "属本局职责，可主办。", ""),
           STREET: (Stance.ASSIST, "依据《街道履职事项清单》，违法建设的巡查发现和劝导属街道职责，可配合拆除。", "")},
          lead="DEPT-CG", assisting=(STREET,),
          conclusion="规划部门已明确认定职责，拆除查处由城管执法局主办，属地街道协办。"),
    Topic("文明养犬", ("养狗", "养犬", "犬只", "宠物"),
          "养犬扰民、犬只伤人隐患涉及公安与城管执法的职责，请两单位依据职责提出意见。",
          {"DEPT-GA": (Stance.LEAD, "依据本市养犬管理条例，养犬登记、违规养犬的查处由公安机关负责，可主办。", ""),
           "DEPT-CG": (Stance.ASSIST, "依据本市养犬管理条例，犬只随地便溺影响市容的由城管执法部门查处，可协办。", "")},
          lead="DEPT-GA", assisting=("DEPT-CG",),
          conclusion="依据本市养犬管理条例，由公安局主办，城管执法局就市容问题协办。"),
]

#: When no title fits an open topic (a small demo): a neighbourhood matter between the street and 城管.
GENERIC = Topic(
    "属地与执法", (),
    "该诉求涉及属地管理与城管执法两方面，派单目录未明确承办单位，请两单位依据三定方案、权责清单提出意见。",
    {STREET: (Stance.LEAD, "依据《街道履职事项清单》，辖区环境秩序的日常管理属街道属地职责，可牵头处理，需城管配合执法。", ""),
     "DEPT-CG": (Stance.ASSIST, "依据本局权责清单，涉及违法行为的可配合开展执法检查。", "")},
    lead=STREET, assisting=("DEPT-CG",),
    conclusion="经会商，该事项以属地管理为主，由街道主办，城管执法局配合执法。")

#: How long ago the open consultations' orders came in (the first stays waiting for an opinion).
OPEN_AGES = {Stage.AWAITING: timedelta(hours=6, minutes=40), Stage.ANSWERED: timedelta(hours=30, minutes=15)}
#: A concluded consultation's order is at least this old, so its life after dispatch has run its course.
CONCLUDED_AGE = timedelta(days=12)


@dataclass
class ConsultPlan:
    """One order's consultation: the topic, its units resolved for the order's place, and where it stops."""

    topic: Topic
    stage: str
    units: list[HandlingUnit] = field(default_factory=list)

    def unit(self, code: str) -> HandlingUnit:
        """A unit of the topic by its code (STREET: the order's own street)."""
        return next(u for u, c in zip(self.units, self.topic.opinions, strict=True) if c == code)


def _resolve(code: str, plan: OrderPlan, city: CityUnits) -> HandlingUnit:
    return plan.draft.street if code == STREET else city[code]


def _title_fits(plan: OrderPlan, topic: Topic) -> bool:
    return any(w in plan.message.title for w in topic.words)


def plan_consultations(candidates: list[OrderPlan], *, now: datetime, city: CityUnits) -> list[OrderPlan]:
    """Give a handful of the `candidates` (orders to dispatch, in message order) a consultation; returns them.

    The two open topics always find an order (any candidate when no title fits); a concluded topic only
    one whose title fits and which is old enough (in a small demo where none does, one generic conclusion).
    """
    chosen: list[OrderPlan] = []
    for no, topic in enumerate(TOPICS):
        stage = [Stage.AWAITING, Stage.ANSWERED][no] if no < 2 else Stage.CONCLUDED
        free = [p for p in candidates if p not in chosen]
        if stage == Stage.CONCLUDED:
            free = [p for p in free if now - p.at >= CONCLUDED_AGE]
        plan = next((p for p in free if _title_fits(p, topic)), None)
        if plan is None and stage != Stage.CONCLUDED:
            plan, topic = next(iter(free), None), GENERIC
        if plan is not None:
            _consult_on(plan, topic, stage, now=now, city=city)
            chosen.append(plan)
    if len(chosen) == 2:  # no concluded topic found its order (a small demo): one generic conclusion
        plan = next((p for p in candidates if p not in chosen and now - p.at >= CONCLUDED_AGE), None)
        if plan is not None:
            _consult_on(plan, GENERIC, Stage.CONCLUDED, now=now, city=city)
            chosen.append(plan)
    return chosen


def _consult_on(plan: OrderPlan, topic: Topic, stage: str, *, now: datetime, city: CityUnits) -> None:
    """Make the plan go through the consultation: the decided lead, no returns (a designation cannot be)."""
    plan.consult = ConsultPlan(topic, stage, [_resolve(code, plan, city) for code in topic.opinions])
    plan.lead = _resolve(topic.lead, plan, city)
    plan.assisting = [_resolve(code, plan, city) for code in topic.assisting]
    plan.wrong_lead = None
    plan.flags -= {"return_accept", "return_reject", "designate", "assist"}
    if stage == Stage.CONCLUDED:
        plan.stop = "" if plan.stop == "returned" else plan.stop
    else:
        plan.at, plan.stop, plan.flags = now - OPEN_AGES[stage], "consulting", set()


def walk_consultation(walk: OrderWalk) -> Iterator[datetime]:
    """发起会商 by the desk, the units' opinions in office hours, then (unless left open) 会商定责.

    The steps of an open consultation are kept before "now", whatever hours the demo is loaded at.
    """
    plan = walk.p.consult
    topic = plan.topic
    sim = walk.sim
    by = (lambda: walk.now + (sim.now - walk.now) / 2) if plan.stage != Stage.CONCLUDED else (lambda: None)
    yield walk.later(minutes=(10, 90), centre=True, by=by())
    walk.do(svc.start_consultation, walk.ticket, actor=sim.dispatcher, units=plan.units, question=topic.question)
    for code, (stance, basis, suggested) in topic.opinions.items():
        if plan.stage == Stage.AWAITING and code == topic.pending:
            continue
        unit = plan.unit(code)
        yield walk.later(hours=(0.5, 5), by=by())
        walk.do(svc.give_opinion, walk.ticket, actor=walk.handler(unit), stance=stance, basis=basis,
                suggested_unit=plan.unit(suggested) if suggested in topic.opinions else None, unit=unit)
    if plan.stage != Stage.CONCLUDED:
        return
    yield walk.later(hours=(1, 20), centre=True)
    walk.do(svc.conclude_consultation, walk.ticket, actor=sim.dispatcher, lead=walk.p.lead,
            assisting=walk.p.assisting, note=topic.conclusion)



def open_consultations() -> list[str]:
    """The open consultations as `hotline demo` lists them: the order, its title and who is to act next."""
    from hotline.accounts.models import Membership
    from hotline.demo.users import DEMO_ACCOUNTS
    from hotline.tickets.choices import ConsultationStatus
    from hotline.tickets.models import Consultation

    logins = [a.username for a in DEMO_ACCOUNTS]
    lines = []
    for c in Consultation.objects.filter(status=ConsultationStatus.OPEN).select_related("ticket").order_by("id"):
        head = f"{c.ticket.number} {c.ticket.title[:24]}"
        waiting = [o.unit for o in c.opinions.filter(answered_at__isnull=True).select_related("unit")]
        if not waiting:
            lines.append(f"{head}：意见已齐，待 dispatcher 会商定责")
            continue
        for unit in waiting:
            users = Membership.objects.filter(unit=unit, user__username__in=logins).values_list(
                "user__username", flat=True).order_by("user__username")
            lines.append(f"{head}：待{unit}（{'、'.join(users) or '—'}）提交会商意见")
    return lines
