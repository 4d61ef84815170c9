"""The registry that ties each lifecycle step to its form and its service call.

Pages, bulk actions and (later) the API find a step here by its Action value; the view stays a few
lines: check the step is available, validate the form, call `perform`, report the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.tickets import services as s
from hotline.tickets.choices import Action, VisitMethod
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import Extension, Ticket
from hotline.workbench import forms as f
from hotline.workbench.split import SplitForm

Perform = Callable[[Ticket, User, dict[str, Any]], Ticket]


@dataclass(frozen=True)
class StepSpec:
    """One step as the workbench offers it."""

    action: str
    form: type[forms.Form]
    perform: Perform
    danger: bool = False  # shown apart, asks for confirmation
    title: str = ""  # the step's name on one order, when it differs from the action's (see `for_order`)

    @property
    def label(self) -> str:
        return str(self.title or Action(self.action).label)


def _spec(action: str, form: type[forms.Form], perform: Perform, danger: bool = False) -> StepSpec:
    return StepSpec(action, form, perform, danger)


def _extension(data: dict[str, Any]) -> Extension | None:
    """The extension request a decision names (by id; the service finds it among this order's pending ones)."""
    return Extension(pk=data["extension"]) if data.get("extension") else None


def _return_visit(t: Ticket, u: User, d: dict[str, Any]) -> Ticket:
    """回访, or the 现场核查 of a proactive order: nobody to reach there, so never a call (contacted=False)."""
    if t.is_proactive:
        return s.record_return_visit(t, actor=u, contacted=False, resolved=d["resolved"], method=d["method"],
                                     note=d["note"])
    if d.get("contacted") is None:  # the form asks it of a citizen's order; never taken for "not reached"
        raise RuleViolation(_("须记录是否联系上群众"))
    return s.record_return_visit(t, actor=u, contacted=d["contacted"], resolved=d["resolved"],
                                 satisfaction=d.get("satisfaction", ""), method=d["method"], note=d["note"],
                                 unit_contacted=d.get("unit_contacted"))


def _reply(t: Ticket, u: User, d: dict[str, Any]) -> Ticket:
    """答复: a proactive order has no caller to contact (contacted=False); a citizen's order must say."""
    d = dict(d)
    if t.is_proactive:
        d["contacted"] = False
    elif d.get("contacted") is None:  # the form asks it of a citizen's order; never taken for "not contacted"
        raise RuleViolation(_("须说明是否已联系群众"))
    return s.reply(t, actor=u, **d)


def _supplement(t: Ticket, u: User, d: dict[str, Any]) -> Ticket:
    """补充诉求, or 补充并恢复办理 when asked (`resume`): the supplement and the resumption, both or neither."""
    if d.get("resume"):
        return s.supplement_and_resume(t, actor=u, text=d["text"])
    return s.supplement(t, actor=u, text=d["text"])


STEPS: dict[str, StepSpec] = {spec.action: spec for spec in [
    _spec(Action.ANSWER_DIRECTLY, f.AnswerForm, lambda t, u, d: s.answer_directly(t, actor=u, answer=d["answer"])),
    _spec(Action.TRANSFER, f.TransferForm, lambda t, u, d: s.transfer(t, actor=u, to=d["to"], note=d["note"]),
          danger=True),
    _spec(Action.NOT_ACCEPT, f.NotAcceptForm,
          lambda t, u, d: s.not_accept(t, actor=u, reason=d["reason"], note=d["note"]), danger=True),
    _spec(Action.SEND_TO_DISPATCH, f.NoteForm, lambda t, u, d: s.send_to_dispatch(t, actor=u, note=d["note"])),
    _spec(Action.DISPATCH, f.DispatchForm,
          lambda t, u, d: s.dispatch(t, actor=u, lead=d["lead"], assisting=list(d["assisting"]),
                                     designate=d["designate"], note=d["note"])),
    _spec(Action.CONSULT, f.ConsultForm,
          lambda t, u, d: s.start_consultation(t, actor=u, units=list(d["units"]), question=d["question"])),
    _spec(Action.GIVE_OPINION, f.OpinionForm,
          lambda t, u, d: s.give_opinion(t, actor=u, stance=d["stance"], basis=d["basis"],
                                         suggested_unit=d["suggested_unit"], unit=d.get("unit"))),
    _spec(Action.CONCLUDE_CONSULTATION, f.ConcludeForm,
          lambda t, u, d: s.conclude_consultation(t, actor=u, lead=d["lead"], assisting=list(d["assisting"]),
                                                  note=d["note"])),
    _spec(Action.WITHDRAW_CONSULTATION, f.WithdrawConsultationForm,
          lambda t, u, d: s.withdraw_consultation(t, actor=u, reason=d["reason"]), danger=True),
    _spec(Action.SIGN, forms.Form, lambda t, u, d: s.sign(t, actor=u)),
    _spec(Action.SIGN_ASSIST, forms.Form, lambda t, u, d: s.sign(t, actor=u)),
    _spec(Action.RETURN, f.ReturnForm,
          lambda t, u, d: s.return_order(t, actor=u, reason_code=d["reason_code"], reason=d["reason"],
                                         suggested_unit=d["suggested_unit"]), danger=True),
    _spec(Action.FORWARD, f.ForwardForm, lambda t, u, d: s.forward(t, actor=u, to=d["to"], note=d["note"])),
    _spec(Action.RECALL, f.RecallForm, lambda t, u, d: s.recall(t, actor=u, note=d["note"]), danger=True),
    _spec(Action.ACCEPT_RETURN, f.AcceptReturnForm,
          lambda t, u, d: s.accept_return(t, actor=u, note=d["note"], lead=d["lead"],
                                          assisting=list(d["assisting"]), designate=d["designate"])),
    _spec(Action.REASSIGN, f.ReassignForm,
          lambda t, u, d: s.reassign(t, actor=u, reason=d["reason"], lead=d["lead"], assisting=list(d["assisting"]),
                                     designate=d["designate"]), danger=True),
    _spec(Action.REJECT_RETURN, f.RequiredNoteForm, lambda t, u, d: s.reject_return(t, actor=u, note=d["note"])),
    _spec(Action.REQUEST_EXTENSION, f.ExtensionForm,
          lambda t, u, d: s.request_extension(t, actor=u, days=d["days"], reason=d["reason"])),
    _spec(Action.APPROVE_EXTENSION, f.ApproveExtensionForm,
          lambda t, u, d: s.approve_extension(t, actor=u, extension=_extension(d), days=d["days"], note=d["note"])),
    _spec(Action.DENY_EXTENSION, f.DenyExtensionForm,
          lambda t, u, d: s.deny_extension(t, actor=u, extension=_extension(d), note=d["note"])),
    _spec(Action.REQUEST_INFO, f.QuestionForm, lambda t, u, d: s.request_info(t, actor=u, question=d["question"])),
    _spec(Action.RESUME, f.NoteForm, lambda t, u, d: s.resume(t, actor=u, note=d["note"])),
    _spec(Action.REPLY, f.ReplyForm, _reply),
    _spec(Action.ASSIST_REPLY, f.ReplyForm, _reply),
    _spec(Action.APPROVE_REPLY, f.NoteForm, lambda t, u, d: s.approve_reply(t, actor=u, note=d["note"])),
    _spec(Action.SEND_BACK, f.SendBackForm, lambda t, u, d: s.send_back(t, actor=u, reason=d["reason"])),
    _spec(Action.RETURN_VISIT, f.VisitForm, _return_visit),
    _spec(Action.REOPEN, f.ReasonForm, lambda t, u, d: s.reopen(t, actor=u, reason=d["reason"]), danger=True),
    _spec(Action.MERGE, f.MergeForm,
          lambda t, u, d: s.merge(t, actor=u, master=d["master_number"], note=d["note"]), danger=True),
    _spec(Action.SUPERVISE, f.SuperviseForm,
          lambda t, u, d: s.supervise(t, actor=u, kind=d["kind"], level=d["level"], note=d["note"])),
    _spec(Action.APPLY_UNREASONABLE, f.ReasonForm,
          lambda t, u, d: s.apply_unreasonable(t, actor=u, reason=d["reason"])),
    _spec(Action.DECIDE_UNREASONABLE, f.DecisionForm,
          lambda t, u, d: s.decide_unreasonable(t, actor=u, approve=d["approve"], note=d["note"])),
    _spec(Action.APPEAL, f.ReasonForm, lambda t, u, d: s.appeal(t, actor=u, reason=d["reason"])),
    _spec(Action.DECIDE_APPEAL, f.DecisionForm,
          lambda t, u, d: s.decide_appeal(t, actor=u, uphold=d["approve"], note=d["note"])),
    _spec(Action.APPLY_TERMINATION, f.TerminationForm,
          lambda t, u, d: s.apply_termination(t, actor=u, reason_code=d["reason_code"], reason=d["reason"]),
          danger=True),
    _spec(Action.DECIDE_TERMINATION, f.DecisionForm,
          lambda t, u, d: s.decide_termination(t, actor=u, approve=d["approve"], note=d["note"]), danger=True),
    _spec(Action.CHASE, f.ChaseForm, lambda t, u, d: s.chase(t, actor=u, note=d["note"])),
    _spec(Action.SUPPLEMENT, f.OrderSupplementForm, _supplement),
    _spec(Action.CORRECT, f.CorrectForm, lambda t, u, d: s.correct(t, actor=u, **d)),
    _spec(Action.SPLIT, SplitForm, lambda t, u, d: s.split(t, actor=u, children=d["drafts"], note=d["note"])),
]}


def for_order(spec: StepSpec, ticket: Ticket) -> StepSpec:
    """The step as this order offers it: a proactive order's 回访 is its 现场核查 (nobody called)."""
    if spec.action == Action.RETURN_VISIT and ticket.is_proactive:
        return replace(spec, title=VisitMethod.VERIFY.label)
    return spec
