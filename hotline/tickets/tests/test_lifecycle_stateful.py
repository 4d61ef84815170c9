"""The lifecycle under random sequences of steps (hypothesis stateful testing), checked after every step.

Each example takes one fresh order — registered, or already driven by `make_ticket` to a random status so
that short sequences reach deep states — and applies a dozen steps. A step is either *random* (any
service, any of a dozen people, valid or broken arguments) or *progress* (an action the table allows
now, by the right person, with valid arguments), so sequences both probe refusals and get far.

After every step:
- a refused step raised a DomainError and left the stored order, its timeline, its assignments and the
  caller's instance exactly as they were;
- a successful step added exactly one timeline event (two for accept-and-redispatch and for 改派), numbered on, that
  the table allows from the old status to the new one; merging also added one event on the master;
- a closed order's own fields changed only through REOPEN;
- and the invariants below hold: the order exists once, timeline count == version with seq 1..version
  chained status to status, at most one active lead whose state matches the order's, deadlines ordered.

Orders accumulate in the test database across examples (one transaction for the whole run); every check
is about the example's own order. `LifecycleMachine.stats` is printed at the end (run with `-s`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.attachments.services import attach
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.sla.choices import Light
from hotline.tickets import services
from hotline.tickets.choices import (
    ACTIVE_ASSIGNMENT,
    FINISHED,
    WITH_UNIT,
    Action,
    AssignmentRole,
    AssignmentStatus,
    NotAcceptedReason,
    ReturnReason,
    Satisfaction,
    Status,
    SupervisionKind,
    TerminationReason,
)
from hotline.tickets.exceptions import ConflictError, DomainError
from hotline.tickets.models import ForwardSettings, Ticket
from hotline.tickets.tests.factories import (
    Cast,
    HandlingUnitFactory,
    UserFactory,
    instance_fields,
    make_ticket,
)
from hotline.tickets.transitions import TRANSITIONS

S = Status
MIN_EXAMPLES = 500
STEPS = 10


# --- The people and units, built once per run ---------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User | None]
    units: dict[str, HandlingUnit]
    handler_of_unit: dict[int, User]
    casts: dict[bool, Cast]  # with / without an assisting unit

    @classmethod
    def build(cls) -> World:
        district = HandlingUnitFactory(kind=UnitKind.DISTRICT)
        units = {
            "lead": HandlingUnitFactory(parent=district),
            "assist": HandlingUnitFactory(parent=district),
            "spare": HandlingUnitFactory(parent=district),
            "other": HandlingUnitFactory(parent=HandlingUnitFactory(kind=UnitKind.DISTRICT)),
            "inactive": HandlingUnitFactory(parent=district, is_active=False),
            "centre": HandlingUnitFactory(kind=UnitKind.CENTRE),
            "district": district,
        }
        units["community"] = HandlingUnitFactory(kind=UnitKind.COMMUNITY, parent=units["lead"])  # 下派
        ForwardSettings.objects.update_or_create(pk=1, defaults={"to_communities": True})
        users: dict[str, User | None] = {
            role: UserFactory(role=role)
            for role in ("intake", "dispatcher", "inspector", "supervisor", "leader", "admin")
        }
        users["inactive"] = UserFactory(role=Role.DISPATCHER, is_active=False)
        users["anonymous"] = None
        for key in ("lead", "assist", "spare", "other", "community"):
            users[f"{key}_h"] = UserFactory(role=Role.UNIT_HANDLER, units=[units[key]])
        users["district_h"] = UserFactory(role=Role.UNIT_ADMIN, units=[district])
        handler_of_unit = {units[k].pk: users[f"{k}_h"] for k in ("lead", "assist", "spare", "other", "community")}
        centre = {k: users[k] for k in ("intake", "dispatcher", "inspector", "supervisor")}
        casts = {
            assisting: Cast(**centre, lead=units["lead"], lead_handler=users["lead_h"],
                            assisting=[units["assist"]] if assisting else [],
                            assist_handlers=[users["assist_h"]] if assisting else [])
            for assisting in (False, True)
        }
        return cls(users=users, units=units, handler_of_unit=handler_of_unit, casts=casts)


# --- Every service, its arguments (variant 0 valid, the others often broken), its proper actor --------------------


def _lead_handler(m: LifecycleMachine) -> User:
    """The handler of the unit that holds (or last held) the lead of the example's order."""
    leads = [a for a in m.last.assignments if a["role"] == AssignmentRole.LEAD]
    return m.world.handler_of_unit[leads[-1]["unit_id"]] if leads else m.world.users["lead_h"]


PROPER = {
    **dict.fromkeys(["answer_directly", "transfer", "not_accept", "send_to_dispatch"], "intake"),
    **dict.fromkeys(["dispatch", "accept_return", "reject_return", "reassign", "approve_extension", "deny_extension",
                     "merge", "merge_into", "decide_termination", "start_consultation", "conclude_consultation",
                     "withdraw_consultation"],
                    "dispatcher"),
    "give_opinion": "lead_h",  # the lead street is invited to every consultation (with the spare one)
    **dict.fromkeys(["chase", "supplement"], "intake"),
    "correct": "dispatcher",
    "split": "intake",
    "recall": "lead_h",  # the lead street hands orders down to its community and may take them back
    **dict.fromkeys(["approve_reply", "send_back", "record_return_visit", "reopen"], "inspector"),
    **dict.fromkeys(["supervise", "decide_unreasonable", "decide_appeal", "stale_copy"], "supervisor"),
    "attach": "unit",
    **dict.fromkeys(["sign", "return_order", "forward", "request_extension", "request_info", "resume", "reply",
                     "apply_unreasonable", "appeal", "apply_termination"], "unit"),
}

VARIANTS: dict[str, list[dict[str, Any]]] = {
    "answer_directly": [{"answer": "可在政务服务网办理"}, {"answer": " "}],
    "transfer": [{"to": "110"}, {"to": "999"}],
    "not_accept": [{"reason": NotAcceptedReason.OUTSIDE_DUTY}, {"reason": NotAcceptedReason.OTHER, "note": ""},
                   {"reason": "bogus"}],
    "send_to_dispatch": [{}],
    "dispatch": [{"lead": "lead"}, {"lead": "lead", "assisting": ["assist"]}, {"lead": "lead", "designate": True},
                 {"lead": "spare"}, {"lead": "lead", "assisting": ["lead"]}, {"lead": "inactive"},
                 {"lead": "centre"}],
    "sign": [{}],
    "return_order": [{"reason_code": ReturnReason.NOT_OUR_DUTY, "reason": "非本单位职责"},
                     {"reason_code": "bogus", "reason": "x"}, {"reason_code": ReturnReason.OTHER, "reason": " "}],
    "forward": [{"to": "community", "note": "请社区核实"}, {"to": "spare", "note": "x"},
                {"to": "community", "note": " "}, {"to": "lead", "note": "x"}],
    "recall": [{"note": "下派单位选错"}, {"note": " "}],
    "accept_return": [{}, {"redispatch": "spare"}, {"redispatch": "lead", "designate": True},
                      {"redispatch": "lead"}],
    "reject_return": [{"note": "属本单位职责"}, {"note": ""}],
    "reassign": [{"reason": "派单有误", "lead": "spare"}, {"reason": "单位撤并", "lead": "lead", "assisting": ["assist"]},
                 {"reason": "指定给街道", "lead": "spare", "designate": True}, {"reason": " ", "lead": "spare"},
                 {"reason": "x", "lead": "inactive"}, {"reason": "x", "lead": "spare", "assisting": ["spare"]}],
    "request_extension": [{"days": 2, "reason": "需协调"}, {"days": 0, "reason": "x"}, {"days": 31, "reason": "x"},
                          {"days": 3, "reason": " "}],
    "approve_extension": [{}, {"days": 5}, {"days": 40}],
    "deny_extension": [{"note": "理由不足"}, {"note": ""}],
    "request_info": [{"question": "请补充门牌号"}, {"question": ""}],
    "resume": [{}],
    "reply": [{"content": "已处理", "contacted": True, "resolved": True},
              {"content": "已现场查看", "contacted": True, "resolved": False, "unresolved_reason": "需规划调整"},
              {"content": "x", "contacted": False, "resolved": False},
              {"content": " ", "contacted": True, "resolved": True}],
    "approve_reply": [{}],
    "send_back": [{"reason": "答复未回应诉求"}, {"reason": ""}],
    "record_return_visit": [
        {"contacted": True, "resolved": True, "satisfaction": Satisfaction.SATISFIED},
        {"contacted": True, "resolved": False, "satisfaction": Satisfaction.UNSATISFIED},
        {"contacted": False},
        {"contacted": True, "resolved": True, "satisfaction": Satisfaction.BASICALLY},
        {"contacted": True, "resolved": True, "satisfaction": Satisfaction.NO_OPINION},
        {"contacted": True, "resolved": True, "satisfaction": ""},
    ],
    "reopen": [{"reason": "问题复发"}, {"reason": ""}],
    "merge": [{"into": "new"}, {"into": "self"}, {"into": "merged"}],
    "merge_into": [{}],
    "supervise": [{"kind": SupervisionKind.REMIND, "note": "请尽快办理"},
                  {"kind": SupervisionKind.SUPERVISE, "note": "区级督办", "level": 2},
                  {"kind": SupervisionKind.SUPERVISE, "note": "市级督办", "level": 3},
                  {"kind": SupervisionKind.SUPERVISE, "note": "降级", "level": 1},
                  {"kind": SupervisionKind.SUPERVISE, "note": "越级", "level": 4},
                  {"kind": "bogus", "note": "x"}],
    "apply_unreasonable": [{"reason": "诉求超出政策"}, {"reason": ""}],
    "decide_unreasonable": [{"approve": True, "note": "属实"}, {"approve": False, "note": "不属实"},
                            {"approve": True, "note": ""}],
    "appeal": [{"reason": "考核有误"}, {"reason": ""}],
    "decide_appeal": [{"uphold": True, "note": "申诉成立"}, {"uphold": False, "note": "不成立"}],
    "apply_termination": [{"reason_code": TerminationReason.WITHDRAWN, "reason": "群众来电撤回诉求"},
                          {"reason_code": "bogus", "reason": "x"}, {"reason_code": TerminationReason.OTHER, "reason": " "}],
    "decide_termination": [{"approve": True, "note": "经核实，同意终止"}, {"approve": False, "note": "请继续办理"},
                           {"approve": True, "note": ""}],
    "start_consultation": [{"units": ["lead", "spare"], "question": "职责不清"}, {"units": ["lead"], "question": "x"},
                           {"units": ["lead", "centre"], "question": "x"}, {"units": ["lead", "spare"], "question": " "}],
    "give_opinion": [{"stance": "lead", "basis": "权责清单第3项"},
                     {"stance": "not_ours", "basis": "不在履职清单", "suggested_unit": "spare"},
                     {"stance": "bogus", "basis": "x"}, {"stance": "lead", "basis": " "},
                     {"stance": "assist", "basis": "x", "suggested_unit": "lead"}],
    "conclude_consultation": [{"lead": "lead", "note": "按权责清单定责"},
                              {"lead": "spare", "assisting": ["lead"], "note": "定责"},
                              {"lead": "lead", "note": " "}, {"lead": "centre", "note": "x"}],
    "withdraw_consultation": [{"reason": "邀请单位有误"}, {"reason": " "}],
    "attach": [{"content": b"\x89PNG\r\n\x1a\n" + bytes(56)}, {"content": b"MZ\x90\x00" + bytes(60)}],
    "chase": [{"note": "群众来电催办，已告知进度"}, {"note": " "}, {"note": "催" * 501}],
    "supplement": [{"text": "晚上十点后噪音更大"}, {"text": ""}],
    "correct": [{"reason": "核实后更正", "urgency": "pressing"}, {"reason": "改回", "urgency": "normal"},
                {"reason": " ", "urgency": "urgent"}, {"reason": "x"}],
    "split": [{"children": ["另：小区路灯不亮"]}, {"children": []}, {"children": [" "]},
              {"children": ["路灯不亮", "路灯不亮"]}],
    "stale_copy": [{}],
}

#: The timeline actions a successful call of each service may write (first event; accept_return may add a dispatch).
WRITES: dict[str, set[str]] = {name: {name} for name in VARIANTS}
WRITES |= {"sign": {Action.SIGN, Action.SIGN_ASSIST}, "reply": {Action.REPLY, Action.ASSIST_REPLY},
           "dispatch": {Action.DISPATCH, Action.DESIGNATE}, "return_order": {Action.RETURN},
           "record_return_visit": {Action.RETURN_VISIT}, "start_consultation": {Action.CONSULT}, "merge_into": {Action.MERGE_INTO}, "stale_copy": set()}

#: For progress steps: how to take each action validly (service, variant, who; None = the proper actor).
#: The main path comes first and the final exits (transfer, not accepted, merged) last: hypothesis favours
#: small picks, and an example that ends early spends its remaining steps on refusals.
PROGRESS: dict[str, list[tuple[str, int, str | None]]] = {
    # offered only while a request waits: first, so that sequences get orders terminated (and reopened)
    Action.DECIDE_TERMINATION: [("decide_termination", 0, None), ("decide_termination", 1, None)],
    Action.DISPATCH: [("dispatch", 0, None), ("dispatch", 1, None), ("dispatch", 3, None)],
    Action.CONSULT: [("start_consultation", 0, None)],
    Action.GIVE_OPINION: [("give_opinion", 0, None), ("give_opinion", 1, None)],
    Action.CONCLUDE_CONSULTATION: [("conclude_consultation", 0, None), ("conclude_consultation", 1, None)],
    Action.WITHDRAW_CONSULTATION: [("withdraw_consultation", 0, None)],
    Action.SIGN: [("sign", 0, None)] * 3,
    Action.REPLY: [("reply", 0, None)] * 2 + [("reply", 1, None)],
    Action.APPLY_TERMINATION: [("apply_termination", 0, None)],
    Action.APPROVE_REPLY: [("approve_reply", 0, None)] * 2,
    Action.RETURN_VISIT: [("record_return_visit", v, None) for v in (0, 0, 1, 2, 3)],
    Action.REOPEN: [("reopen", 0, None)],
    Action.SEND_TO_DISPATCH: [("send_to_dispatch", 0, None)],
    Action.DESIGNATE: [("dispatch", 2, None)],
    Action.SIGN_ASSIST: [("sign", 0, "assist_h")],
    Action.RETURN: [("return_order", 0, None)],
    Action.FORWARD: [("forward", 0, None)],
    Action.RECALL: [("recall", 0, None)],
    Action.ACCEPT_RETURN: [("accept_return", 0, None), ("accept_return", 1, None), ("accept_return", 2, None)],
    Action.REJECT_RETURN: [("reject_return", 0, None)],
    # the same lead as now is refused: one of the first two is always valid (unless the returns are used up)
    Action.REASSIGN: [("reassign", 0, None), ("reassign", 1, None), ("reassign", 2, None)],
    Action.REQUEST_EXTENSION: [("request_extension", 0, None), ("request_extension", 0, "assist_h")],
    Action.APPROVE_EXTENSION: [("approve_extension", 0, None), ("approve_extension", 1, None)],
    Action.DENY_EXTENSION: [("deny_extension", 0, None)],
    Action.REQUEST_INFO: [("request_info", 0, None)],
    Action.RESUME: [("resume", 0, None), ("resume", 0, "intake")],
    Action.ASSIST_REPLY: [("reply", 0, "assist_h")],
    Action.SEND_BACK: [("send_back", 0, None)],
    Action.SUPERVISE: [("supervise", 0, None), ("supervise", 2, None)],
    Action.APPLY_UNREASONABLE: [("apply_unreasonable", 0, None)],
    Action.DECIDE_UNREASONABLE: [("decide_unreasonable", 0, None), ("decide_unreasonable", 1, None)],
    Action.APPEAL: [("appeal", 0, None)],
    Action.DECIDE_APPEAL: [("decide_appeal", 0, None), ("decide_appeal", 1, None)],
    Action.MERGE_INTO: [("merge_into", 0, None)],
    Action.ATTACH: [("attach", 0, None)],
    Action.CHASE: [("chase", 0, None)],
    Action.SUPPLEMENT: [("supplement", 0, None)],
    Action.CORRECT: [("correct", 0, None), ("correct", 1, None)],
    Action.SPLIT: [("split", 0, None)],
    Action.ANSWER_DIRECTLY: [("answer_directly", 0, None)],
    Action.TRANSFER: [("transfer", 0, None)],
    Action.NOT_ACCEPT: [("not_accept", 0, None)],
    Action.MERGE: [("merge", 0, None)],
}
ACTORS = ["proper"] * 5 + ["intake", "dispatcher", "inspector", "supervisor", "leader", "admin", "inactive",
                           "anonymous", "lead_h", "assist_h", "spare_h", "other_h", "district_h", "community_h"]
STARTS = [S.REGISTERED] * 3 + [S.PENDING_DISPATCH, S.DISPATCHED, S.RETURNED, S.IN_PROGRESS, S.AWAITING_CITIZEN,
                               S.REPLIED, S.AWAITING_VISIT, S.CLOSED, S.ANSWERED, S.TERMINATED]


def call_service(m: LifecycleMachine, name: str, actor: User | None, p: dict[str, Any]) -> None:
    """Take one step on the example's order (or, for merge_into/stale_copy, through another copy)."""
    t, units = m.ticket, m.world.units
    if name == "dispatch":
        services.dispatch(t, actor=actor, lead=units[p["lead"]], assisting=[units[u] for u in p.get("assisting", [])],
                          designate=p.get("designate", False))
    elif name == "accept_return":
        lead = units[p["redispatch"]] if "redispatch" in p else None
        services.accept_return(t, actor=actor, lead=lead, designate=p.get("designate", False))
    elif name == "reassign":
        services.reassign(t, actor=actor, reason=p["reason"], lead=units[p["lead"]],
                          assisting=[units[u] for u in p.get("assisting", [])], designate=p.get("designate", False))
    elif name == "merge":
        if p["into"] == "self":
            master = t
        elif p["into"] == "merged":
            master = make_ticket(S.MERGED, cast=m.world.casts[False])
        else:
            master = make_ticket(S.REGISTERED, cast=m.world.casts[False])
        m.other = master
        m.other_before = master.version
        services.merge(t, actor=actor, master=master)
    elif name == "merge_into":
        duplicate = make_ticket(S.REGISTERED, cast=m.world.casts[False])
        m.other = duplicate
        m.other_before = duplicate.version
        services.merge(duplicate, actor=actor, master=t)
    elif name == "start_consultation":
        services.start_consultation(t, actor=actor, units=[units[u] for u in p["units"]], question=p["question"])
    elif name == "give_opinion":
        suggested = units[p["suggested_unit"]] if "suggested_unit" in p else None
        services.give_opinion(t, actor=actor, stance=p["stance"], basis=p["basis"], suggested_unit=suggested)
    elif name == "conclude_consultation":
        services.conclude_consultation(t, actor=actor, lead=units[p["lead"]],
                                       assisting=[units[u] for u in p.get("assisting", [])], note=p["note"])
    elif name == "forward":
        services.forward(t, actor=actor, to=units[p["to"]], note=p["note"])
    elif name == "attach":
        attach(t, actor=actor, upload=SimpleUploadedFile("photo.png", p["content"]))
    elif name == "split":
        services.split(t, actor=actor, children=[services.ChildDraft(description=d) for d in p["children"]])
    elif name == "stale_copy":
        copy = Ticket.objects.get(pk=t.pk)
        copy.version -= 1
        services.supervise(copy, actor=actor, kind=SupervisionKind.REMIND, note="用旧副本催办")
    else:
        getattr(services, name)(t, actor=actor, **p)


# --- Snapshots ----------------------------------------------------------------------------------------------


def _raw(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    """Rows as dicts, straight from SQL (the snapshot runs after every step: no ORM compiling)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@dataclass
class Snapshot:
    """The stored state of the example's order: its row(s), its timeline, its assignments.

    Timeline and assignments are raw column values (datetimes as the database's ISO text, which orders
    like the moments it stands for); the order's row goes through the ORM so it compares with the instance.
    """

    rows: list[dict[str, Any]]  # every stored order with the example's number (exactly one, we check)
    events: list[tuple[int, str, str, str, int | None]]  # seq, action, from, to, actor id
    assignments: list[dict[str, Any]]

    @property
    def row(self) -> dict[str, Any]:
        return self.rows[0]

    @classmethod
    def take(cls, ticket: Ticket) -> Snapshot:
        events = _raw("SELECT seq, action, from_status, to_status, actor_id FROM tickets_timelineevent "
                      "WHERE ticket_id = %s ORDER BY seq", [ticket.pk])
        return cls(
            rows=list(Ticket.objects.filter(number=ticket.number).values()),
            events=[tuple(e.values()) for e in events],
            assignments=_raw("SELECT * FROM tickets_assignment WHERE ticket_id = %s ORDER BY id", [ticket.pk]),
        )


#: Ticket columns a step on a closed order other than REOPEN may change.
BOOKKEEPING = {"version", "updated_at"}


# --- The machine -------------------------------------------------------------------------------------------------


class LifecycleMachine(RuleBasedStateMachine):
    """One order per example; random and progress steps; every check after every step."""

    world: ClassVar[World | None] = None
    stats: ClassVar[dict[str, Counter]] = {}

    @classmethod
    def start_run(cls) -> None:
        """A new test (a new database transaction): forget the world built in the previous one."""
        cls.world = None
        cls.stats = {"examples": Counter(), "done": Counter(), "refused": Counter(), "statuses": Counter()}

    def __init__(self) -> None:
        super().__init__()
        if LifecycleMachine.world is None:
            LifecycleMachine.world = World.build()
        self.world = LifecycleMachine.world
        self.other: Ticket | None = None
        self.other_before = 0

    @initialize(start=st.sampled_from(STARTS), assisting=st.booleans())
    def fresh_order(self, start: str, assisting: bool) -> None:
        self.ticket = make_ticket(start, cast=self.world.casts[assisting])
        self.last = Snapshot.take(self.ticket)
        self.stats["examples"]["count"] += 1
        self.stats["statuses"][start] += 1

    # One rule: two steps in three make progress (an action the table allows now, by the right person,
    # with valid arguments); the third is anything by anyone, often with broken arguments.

    @rule(progress=st.sampled_from([True, True, False]), pick=st.integers(0, 10_000),
          name=st.sampled_from(sorted(VARIANTS)), who=st.sampled_from(ACTORS), variant=st.integers(0, 5))
    def step(self, progress: bool, pick: int, name: str, who: str, variant: int) -> None:
        if progress:
            options = [o for a in self.allowed_now() for o in PROGRESS[a]]
            if options:
                name, variant, proper = options[pick % len(options)]
                self.attempt(name, proper or "proper", VARIANTS[name][variant])
                return
            # a final status (transferred, not accepted, merged): nothing may happen; try anything
        options = VARIANTS[name]
        self.attempt(name, who, options[variant % len(options)])

    def allowed_now(self) -> list[str]:
        """The actions the table allows now, less the decisions with nothing pending (read off the timeline)."""
        done = Counter(e[1] for e in self.last.events)
        waiting = {
            Action.APPROVE_EXTENSION: done[Action.REQUEST_EXTENSION] > done[Action.APPROVE_EXTENSION]
            + done[Action.DENY_EXTENSION],
            Action.DECIDE_UNREASONABLE: done[Action.APPLY_UNREASONABLE] > done[Action.DECIDE_UNREASONABLE],
            Action.DECIDE_APPEAL: done[Action.APPEAL] > done[Action.DECIDE_APPEAL],
            # a reply, return, send-back, reopen or merge may have closed it undecided: then it is refused
            Action.DECIDE_TERMINATION: done[Action.APPLY_TERMINATION] > done[Action.DECIDE_TERMINATION],
        }
        waiting[Action.DENY_EXTENSION] = waiting[Action.APPROVE_EXTENSION]
        # 会商: while one is open its conclusion dispatches; the steps that end it otherwise finish the order
        consulting = done[Action.CONSULT] > done[Action.CONCLUDE_CONSULTATION] + done[Action.WITHDRAW_CONSULTATION]
        waiting |= {Action.GIVE_OPINION: consulting, Action.CONCLUDE_CONSULTATION: consulting,
                    Action.WITHDRAW_CONSULTATION: consulting,
                    Action.CONSULT: not consulting, Action.DISPATCH: not consulting,
                    Action.DESIGNATE: not consulting}
        status = self.last.row["status"]
        return [a for a in PROGRESS if status in TRANSITIONS[a].sources and waiting.get(a, True)]

    # The step and its checks.

    def actor(self, who: str, name: str) -> User | None:
        if who == "proper":
            return _lead_handler(self) if PROPER[name] == "unit" else self.world.users[PROPER[name]]
        return self.world.users[who]

    def attempt(self, name: str, who: str, params: dict[str, Any]) -> None:
        before = self.last
        status_before = before.row["status"]
        actor = self.actor(who, name)
        self.other = None
        try:
            call_service(self, name, actor, params)
        except DomainError as refused:
            self.stats["refused"][type(refused).__name__] += 1
            if name == "stale_copy":
                assert isinstance(refused, ConflictError)
            self.last = after = Snapshot.take(self.ticket)
            assert after == before, f"refused {name} changed the order"
            assert instance_fields(self.ticket) == after.row, "refused step left the caller's copy changed"
            if self.other is not None:
                self.other.refresh_from_db()
                assert self.other.version == self.other_before, "refused merge changed the other order"
            return
        assert name != "stale_copy", "a stale copy was accepted"
        self.last = after = Snapshot.take(self.ticket)
        new = after.events[len(before.events):]
        assert before.events == after.events[:len(before.events)], "the timeline was rewritten"
        expected = 2 if name == "accept_return" and "redispatch" in params or name == "reassign" else 1
        assert len(new) == expected, f"{name} wrote {len(new)} events"
        assert after.row["version"] == before.row["version"] + expected
        assert new[0][1] in WRITES[name] and new[0][2] == status_before
        assert new[-1][3] == after.row["status"]
        assert all(e[4] == (actor.pk if actor else None) for e in new)
        for _seq, action, src, dst, _actor in new:
            row = TRANSITIONS[action]
            assert src in row.sources and (dst in row.targets if row.targets else dst == src), (action, src, dst)
        if status_before == S.CLOSED and new[0][1] != Action.REOPEN:
            changed = {k for k in after.row if after.row[k] != before.row[k]} - BOOKKEEPING
            assert not changed, f"{new[0][1]} changed a closed order's fields {changed}"
        if name in ("merge", "merge_into"):
            self.other.refresh_from_db()
            master, duplicate = (self.other, self.ticket) if name == "merge" else (self.ticket, self.other)
            assert (duplicate.status, duplicate.master_id) == (S.MERGED, master.pk)
            assert self.other.version == self.other_before + 1  # exactly one event on the other order too
            if name == "merge":
                assert self.other.timeline.order_by("seq").last().action == Action.MERGE_INTO
        if name == "merge_into":
            self.ticket.refresh_from_db()  # the merge bumped this order's version behind the instance
        assert instance_fields(self.ticket) == after.row, "the caller's copy is not the stored order"
        for action in (e[1] for e in new):
            self.stats["done"][action] += 1
        self.stats["statuses"][after.row["status"]] += 1

    # Invariants, on the snapshot the last step took.

    @invariant()
    def order_is_stored_exactly_once(self) -> None:
        rows = self.last.rows
        assert len(rows) == 1 and rows[0]["id"] == self.ticket.pk

    @invariant()
    def timeline_counts_the_versions(self) -> None:
        row, events = self.last.row, self.last.events
        assert [e[0] for e in events] == list(range(1, row["version"] + 1))
        assert events[0][1:4] == (Action.REGISTER, "", S.REGISTERED)
        assert all(nxt[2] == prev[3] for prev, nxt in zip(events, events[1:], strict=False)), "broken chain"
        assert events[-1][3] == row["status"]

    @invariant()
    def assignments_match_the_status(self) -> None:
        status = self.last.row["status"]
        active = [a for a in self.last.assignments if a["status"] in ACTIVE_ASSIGNMENT]
        leads = [a for a in active if a["role"] == AssignmentRole.LEAD]
        assert len(leads) <= 1
        expected_lead = {S.DISPATCHED: AssignmentStatus.PENDING_SIGN, S.IN_PROGRESS: AssignmentStatus.SIGNED,
                         S.AWAITING_CITIZEN: AssignmentStatus.SIGNED, S.REPLIED: AssignmentStatus.REPLIED,
                         S.AWAITING_VISIT: AssignmentStatus.REPLIED}
        if status in expected_lead:
            assert [a["status"] for a in leads] == [expected_lead[status]]
        elif status == S.RETURNED:
            assert not leads
            assert self.last.assignments and max(
                (a for a in self.last.assignments if a["role"] == AssignmentRole.LEAD), key=lambda a: a["id"]
            )["status"] == AssignmentStatus.RETURNED
        else:  # registered, pending dispatch, or finished: no unit holds it
            assert not active

    @invariant()
    def deadlines_are_consistent(self) -> None:
        row = self.last.row
        status = row["status"]
        for obj in [row, *(a for a in self.last.assignments if a["status"] in ACTIVE_ASSIGNMENT)]:
            if obj["phase_due"] is not None and obj["phase_yellow_at"] is not None:
                assert obj["phase_yellow_at"] <= obj["phase_due"]
            assert (obj["light"] == Light.NONE) == (obj["phase_due"] is None)
        for a in self.last.assignments:
            if a["status"] in ACTIVE_ASSIGNMENT:
                assert a["dispatched_at"] <= a["sign_due"] <= a["reply_due"]
                assert a["dispatched_at"] <= a["return_due"]
        if status in WITH_UNIT | {S.AWAITING_VISIT}:
            assert row["close_due"] is not None and row["sla_policy_id"] is not None
            assert row["phase_due"] == row["close_due"]
        assert (row["closed_at"] is not None) == (status in FINISHED)
        assert (row["paused_at"] is not None) == (status == S.AWAITING_CITIZEN)
        assert (row["master_id"] is not None) == (status == S.MERGED)


def test_the_machine_knows_every_action() -> None:
    """A new action in the table must be taught to the machine (PROGRESS, and VARIANTS for its service)."""
    assert set(PROGRESS) == set(TRANSITIONS) - {Action.REGISTER}
    assert {name for options in PROGRESS.values() for name, _, _ in options} == set(VARIANTS) - {"stale_copy"}


#: Derandomized: the same ≥ 500 sequences on every machine and run. With a fresh random seed a clean CI run
#: once drew no 不予受理 at all (the exits are a few of twenty-odd steps), failing the coverage check by chance.
SETTINGS = settings(
    max_examples=MIN_EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@pytest.mark.django_db
class TestLifecycle(LifecycleMachine.TestCase):
    """Runs the machine (≥ MIN_EXAMPLES sequences) in one test transaction and reports what it covered."""

    settings = SETTINGS

    def runTest(self) -> None:  # noqa: N802 - unittest's name
        LifecycleMachine.start_run()
        super().runTest()
        stats = LifecycleMachine.stats
        print("\nstateful lifecycle:", {k: dict(v) for k, v in stats.items()})  # noqa: T201
        assert stats["examples"]["count"] >= MIN_EXAMPLES
        assert set(stats["statuses"]) == set(Status)  # the sequences got everywhere
        assert len(stats["done"]) >= len(PROGRESS) - 5  # and took nearly every kind of step (31 in all)
