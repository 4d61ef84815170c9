"""One form per lifecycle step: it validates what the person typed (the 400s); the service decides."""

from __future__ import annotations

import functools

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import Q, QuerySet
from django.urls import reverse_lazy as reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hotline.core.formfields import IdsMultipleChoiceField
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.orgs.widgets import UnitSelect, UnitSelectMultiple
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.taxonomy.models import Category
from hotline.tickets.choices import (
    ACTIVE_ASSIGNMENT,
    CITIZEN_TERMINATION_REASONS,
    AssignmentRole,
    EmergencyService,
    NotAcceptedReason,
    ReturnReason,
    Satisfaction,
    Stance,
    SupervisionKind,
    SupervisionLevel,
    TerminationReason,
    VisitMethod,
)
from hotline.tickets.constants import MAX_CHASE_NOTE, MAX_SUPPLEMENT
from hotline.tickets.models import Assignment, Extension, Ticket
from hotline.tickets.services import failed_attempts, visit_attempt_limit
from hotline.tickets.services.correction import MAX_REASON as MAX_CORRECTION_REASON
from hotline.tickets.services.dispatching import ACCEPT_RETURN_NEEDS_LEAD
from hotline.tickets.services.forwarding import units_below
from hotline.workbench.intake.selectors import area_choices, category_choices
from hotline.workbench.intake.selectors import areas as area_units

#: The blank option of the correction form's selects, as the intake page and the areas endpoint write it.
BLANK_CHOICE = _("—请选择—")

TEXT = forms.Textarea(attrs={"rows": 3})
YES_NO = [("1", _("是")), ("0", _("否"))]


#: A choice switched off (停用、撤并) while the page was open: said by name, not as 「选择一个有效的选项」.
SWITCHED_OFF = _("「%(name)s」已停用，请重新选择")


class ActiveChoiceField(forms.ModelChoiceField):
    """A select of active rows (units, categories) that names a row switched off since the page was shown.

    Django answers a posted id outside the queryset with its generic invalid-choice message; when the id is a
    row that exists but is no longer active, the person is told which one to choose again.
    """

    def to_python(self, value):  # noqa: ANN001, ANN201
        try:
            return super().to_python(value)
        except forms.ValidationError as exc:
            if exc.code == "invalid_choice" and (row := self._switched_off(value)) is not None:
                raise forms.ValidationError(SWITCHED_OFF, code="switched_off", params={"name": row}) from exc
            raise

    def _switched_off(self, value: object) -> object | None:
        """The row `value` names if it exists and is switched off (is_active false); None otherwise."""
        raw = str(value or "").strip()
        if self.to_field_name is not None or not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            return None
        model = self.queryset.model
        return model._base_manager.filter(pk=int(raw), is_active=False).first()


def _handling_units():  # noqa: ANN202
    return HandlingUnit.objects.filter(is_active=True).exclude(kind=UnitKind.CENTRE).order_by("path")


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, widget=TEXT, max_length=2000)


class RequiredNoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), widget=TEXT, max_length=2000)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("答复内容"), widget=TEXT, max_length=4000)


class TransferForm(forms.Form):
    to = forms.ChoiceField(label=_("转至"), choices=EmergencyService.choices)
    note = forms.CharField(label=_("说明"), required=False, widget=TEXT, max_length=2000)


class NotAcceptForm(forms.Form):
    reason = forms.ChoiceField(label=_("不予受理原因"), choices=NotAcceptedReason.choices)
    note = forms.CharField(label=_("告知内容"), required=False, widget=TEXT, max_length=2000)


class DispatchForm(forms.Form):
    lead = ActiveChoiceField(label=_("主办单位"), queryset=HandlingUnit.objects.none(), empty_label=_("—请选择—"),
                             widget=UnitSelect)
    assisting = IdsMultipleChoiceField(label=_("协办单位"), required=False,
                                        queryset=HandlingUnit.objects.none(),
                                        widget=UnitSelectMultiple(attrs={"size": 8}),
                                        help_text=_("可多选（电脑上按住 Ctrl 或 ⌘ 点选）"))
    designate = forms.BooleanField(label=_("指定派单（不得退单）"), required=False)
    note = forms.CharField(label=_("派单说明"), required=False, widget=TEXT, max_length=2000,
                           help_text=_("派单目录规定由职能部门主办的诉求，改由街道（乡镇）、社区（村）主办时，"
                                       "须在派单说明中写明理由"))

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = _handling_units()
        self.fields["assisting"].queryset = _handling_units()


class ConsultForm(forms.Form):
    """Ask the candidate units whose duty the matter is (发起会商)."""

    units = IdsMultipleChoiceField(label=_("会商单位"), queryset=HandlingUnit.objects.none(),
                                    widget=UnitSelectMultiple(attrs={"size": 8}),
                                    help_text=_("2 至 10 个单位；可多选（电脑上按住 Ctrl 或 ⌘ 点选）"))
    question = forms.CharField(label=_("会商事项"), widget=TEXT, max_length=2000,
                               help_text=_("写明职责不清之处，例如涉及哪几项职责"))

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = _handling_units()


class OpinionForm(forms.Form):
    """An invited unit's view of its responsibility (会商意见); no stance preselected.

    `unit` names the invited unit answered for: needed only by someone who belongs to several of them.
    """

    unit = forms.ModelChoiceField(label=_("以哪个单位发表意见"), required=False, queryset=HandlingUnit.objects.none(),
                                  empty_label=_("—请选择—"))
    stance = forms.ChoiceField(label=_("本单位意见"), choices=[("", _("—请选择—")), *Stance.choices])
    basis = forms.CharField(label=_("职责依据"), widget=TEXT, max_length=2000,
                            help_text=_("三定方案、权责清单或履职清单的相关条目"))
    suggested_unit = forms.ModelChoiceField(label=_("建议承办单位"), required=False,
                                            queryset=HandlingUnit.objects.none(), empty_label=_("—请选择—"),
                                            widget=UnitSelect)

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["suggested_unit"].queryset = _handling_units()
        self.fields["unit"].queryset = _handling_units()


class WithdrawConsultationForm(forms.Form):
    """Drop an open consultation (撤销会商); the order waits for dispatch again."""

    reason = forms.CharField(label=_("撤销理由"), widget=TEXT, max_length=2000,
                             help_text=_("如邀请单位有误；需另行邀请单位时，撤销后重新发起会商"))


class ConcludeForm(DispatchForm):
    """Decide whose duty it is after the consultation (会商定责), with the reasons; an invited lead is designated."""

    designate = None  # the service designates an invited lead (指定派单); the form does not ask

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True
        self.fields["note"].label = _("定责意见")
        self.fields["note"].help_text = _("依据哪项职责由谁主办；受邀单位定为主办的，不得退单")


class AcceptReturnForm(DispatchForm):
    """Agree to the return; choose a new lead to re-dispatch at once, or leave it for the dispatch queue."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["lead"].required = False
        self.fields["lead"].label = _("改派主办单位（可选）")
        self.fields["note"].label = _("审核意见")
        self.fields["note"].help_text = _("改派街道（乡镇）、社区（村）主办而派单目录规定由职能部门主办的，审核意见即派单理由，须填写")

    def clean(self) -> dict:
        """协办单位 and 「指定派单」 go with a new lead only: without one they would be dropped, so they are refused."""
        data = super().clean()
        if not data.get("lead") and (data.get("assisting") or data.get("designate")):
            raise forms.ValidationError(ACCEPT_RETURN_NEEDS_LEAD)
        return data


class ReassignForm(DispatchForm):
    """改派: why the centre takes the order back from its units, and the units that handle it now."""

    note = None  # the dispatch note is the default 主办/协办 line; the reason is the record
    field_order = ["reason", "lead", "assisting", "designate"]

    reason = forms.CharField(label=_("改派理由"), widget=TEXT, max_length=2000,
                             help_text=_("如派单有误、单位撤并；原承办单位全部撤回，不计退单，办结时限不变"))

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["lead"].label = _("改派主办单位")


class ReturnForm(forms.Form):
    reason_code = forms.ChoiceField(label=_("退单原因"), choices=ReturnReason.choices)
    reason = forms.CharField(label=_("退单说明"), widget=TEXT, max_length=2000)
    suggested_unit = forms.ModelChoiceField(label=_("建议承办单位"), required=False,
                                            queryset=HandlingUnit.objects.none(), empty_label=_("—请选择—"),
                                            widget=UnitSelect)

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.fields["suggested_unit"].queryset = _handling_units()


class ForwardForm(forms.Form):
    """下派: the unit below that handles the order now, and what it should do (it reads the instructions)."""

    #: The workbench and the API pass `ticket=`: the choices are the units below the order's lead unit.
    per_order = True

    to = forms.ModelChoiceField(label=_("下派至"), queryset=HandlingUnit.objects.none(), empty_label=_("—请选择—"),
                                widget=UnitSelect, help_text=_("本单位的下级单位；答复时限不变"))
    note = forms.CharField(label=_("下派要求"), widget=TEXT, max_length=2000)

    def __init__(self, *args, ticket: Ticket | None = None, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        if ticket is None:
            self.fields["to"].queryset = _handling_units()
            return
        lead = (Assignment.objects.filter(ticket=ticket, role=AssignmentRole.LEAD, status__in=ACTIVE_ASSIGNMENT)
                .select_related("unit").first())
        self.fields["to"].queryset = units_below(lead.unit.path) if lead else HandlingUnit.objects.none()


class RecallForm(forms.Form):
    """收回下派: why the order comes back (e.g. 派错街道); the unit below sees it on the timeline."""

    note = forms.CharField(label=_("收回理由"), widget=TEXT, max_length=2000)


class ExtensionForm(forms.Form):
    days = forms.IntegerField(label=_("延期工作日数"), min_value=1, max_value=30)
    reason = forms.CharField(label=_("延期理由（将告知群众）"), widget=TEXT, max_length=2000)


class ExtensionChoiceForm(forms.Form):
    """A decision on an extension request (延期申请): which one, by id; none given → the oldest pending one."""

    extension = forms.IntegerField(label=_("延期申请"), required=False, min_value=1, widget=forms.HiddenInput)

    def offer(self, pending: list[Extension], *, ticket: Ticket | None = None, user: object = None) -> None:
        """Show the order's pending requests (unit, days, reason) to choose from; the oldest is preselected.

        The reason is the unit's own words, quoted as the 待审批 queue and the order page read them
        (`unit_text_for`): in full to the centre deciding (`user`), a citizen's number in it recorded as a
        full-number view; masked when no reader is given."""
        from hotline.core.privacy import unit_text_for

        def reason(e: Extension) -> str:
            order = ticket if ticket is not None and ticket.pk == e.ticket_id else e.ticket
            return unit_text_for(e.reason, order, user, unit_id=e.assignment.unit_id)

        choices = [(e.pk, ngettext("%(unit)s 申请延期 %(days)s 个工作日，理由：%(reason)s",
                                   "%(unit)s 申请延期 %(days)s 个工作日，理由：%(reason)s", e.days) % {
            "unit": e.assignment.unit, "days": e.days, "reason": reason(e)}) for e in pending]
        self.fields["extension"].widget = forms.RadioSelect(choices=choices)
        self.fields["extension"].required = bool(choices)
        if choices:
            self.initial.setdefault("extension", choices[0][0])


class ApproveExtensionForm(ExtensionChoiceForm):
    days = forms.IntegerField(label=_("批准工作日数（空 = 按申请）"), min_value=1, max_value=30, required=False)
    note = forms.CharField(label=_("审批意见"), required=False, widget=TEXT, max_length=2000)


class DenyExtensionForm(ExtensionChoiceForm):
    note = forms.CharField(label=_("说明"), widget=TEXT, max_length=2000)


class QuestionForm(forms.Form):
    question = forms.CharField(label=_("需群众补充的内容"), widget=TEXT, max_length=2000)


class ReplyForm(forms.Form):
    """A unit's reply (答复). Given the order (`ticket=`): a citizen's order requires 「已联系群众」; a proactive
    order (主动发现, 未诉先办) has no caller, so the field is gone and the step records contacted=False. Without
    an order (the API's body schema) `contacted` is optional."""

    #: The workbench and the API pass `ticket=` (the order the step is taken on) to forms marked `per_order`.
    per_order = True

    content = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 5}), max_length=8000)
    public_reply = forms.CharField(label=_("公开答复内容"), required=False, widget=TEXT, max_length=8000)
    is_truthful = forms.NullBooleanField(label=_("诉求属实"), required=False)
    # No answer preselected: a unit must say whether it contacted the citizen and resolved the demand.
    contacted = forms.TypedChoiceField(label=_("已联系群众"), choices=[("", _("—请选择—")), *YES_NO],
                                       required=False, coerce=lambda v: v == "1", empty_value=None)
    resolved = forms.TypedChoiceField(label=_("是否解决"), choices=[("", _("—请选择—")), *YES_NO],
                                      coerce=lambda v: v == "1")
    unresolved_reason = forms.CharField(label=_("未解决原因"), required=False, widget=TEXT, max_length=2000)
    beyond_duty = forms.BooleanField(label=_("超出本单位职责"), required=False)

    def __init__(self, *args, ticket: Ticket | None = None, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        if ticket is None:
            return
        if ticket.is_proactive:
            del self.fields["contacted"]
            self.fields["content"].help_text = _("主动发现的工单没有来电群众，无需联系群众；办结后由中心现场核查")
        else:
            self.fields["contacted"].required = True

    def clean(self) -> dict:
        """An unresolved reply must say why, on the reason field itself (the service refuses it too)."""
        data = super().clean()
        if data.get("resolved") is False and not data.get("unresolved_reason", "").strip():
            self.add_error("unresolved_reason", _("未解决的须说明原因"))
        return data


class SendBackForm(forms.Form):
    reason = forms.CharField(label=_("退回重办理由"), widget=TEXT, max_length=2000)


class VisitForm(forms.Form):
    """The return visit (回访) of a citizen's order, or the 现场核查 of a proactive one (主动发现, nobody called).

    Given the order (`ticket=`), the form asks what fits it: a check asks only whether the problem is
    solved and what was found; a call offers no 现场核查 and says how many calls of this round went
    unanswered and which one closes the order. Without an order (the API's body schema) every field is
    there and `contacted` is optional. The page lists only the fitting methods, but any method is
    accepted: a combination the service refuses comes back with its message, the order unchanged.
    """

    #: The workbench passes `ticket=` (the order the step is taken on) to forms marked `per_order`.
    per_order = True

    method = forms.ChoiceField(label=_("回访方式"), choices=VisitMethod.choices)
    contacted = forms.TypedChoiceField(label=_("联系上群众"), choices=YES_NO, required=False,
                                       coerce=lambda v: v == "1", empty_value=None)
    resolved = forms.TypedChoiceField(label=_("问题已解决"), choices=[("", "—"), *YES_NO], required=False,
                                      coerce=lambda v: v == "1", empty_value=None)
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=[("", "—"), *Satisfaction.choices], required=False)
    #: The citizen's own answer (响应率 counts it, not the unit's 已联系群众); blank: not asked or not answered.
    unit_contacted = forms.TypedChoiceField(
        label=_("承办单位是否联系过您？"), choices=[("", "—"), *YES_NO], required=False,
        coerce=lambda v: v == "1", empty_value=None,
        help_text=_("联系上群众时问群众本人；群众未答可不选（响应率按单位答复所称计）"))
    note = forms.CharField(label=_("回访记录"), required=False, widget=TEXT, max_length=2000)

    def __init__(self, *args, ticket: Ticket | None = None, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        if ticket is None:
            return
        if ticket.is_proactive:
            self._as_check()
        else:
            self._as_call(ticket)

    def _offer(self, methods: list[str]) -> None:
        """List only these methods on the page; the field still accepts any (the service decides)."""
        self.fields["method"].widget.choices = [(v, label) for v, label in VisitMethod.choices if v in methods]

    def _as_check(self) -> None:
        self._offer([VisitMethod.VERIFY])
        self.initial.setdefault("method", VisitMethod.VERIFY)
        self.fields["method"].label = _("核查方式")
        self.fields["method"].help_text = _("主动发现的工单没有来电群众，由中心到现场核查办理结果，不回访、不评价满意度")
        del self.fields["contacted"], self.fields["satisfaction"], self.fields["unit_contacted"]
        self.fields["resolved"].required = True
        self.fields["resolved"].help_text = _("已解决则办结；未解决则退回主办单位重办")
        self.fields["note"].label = _("核查情况")

    def _as_call(self, ticket: Ticket) -> None:
        self._offer([v for v in VisitMethod.values if v != VisitMethod.VERIFY])
        contacted = self.fields["contacted"]
        contacted.required = True
        if not ticket.caller_phone:
            contacted.help_text = _("该工单无联系电话：记录「未联系上」即办结工单（不计入有效回访）")
            return
        failed, limit = failed_attempts(ticket), visit_attempt_limit(ticket)
        if failed:
            contacted.help_text = _("本轮已 %(failed)s 次未联系上，第 %(limit)s 次未联系上将办结（不计入有效回访）") % {
                "failed": failed, "limit": max(limit, failed + 1)}
        else:
            contacted.help_text = _("第 %(limit)s 次未联系上将办结（不计入有效回访）") % {"limit": limit}


class MergeForm(forms.Form):
    """Merge into a master order (并单), found among the orders the person may see."""

    #: The workbench passes `orders=` (what the actor may see) to forms marked `scoped`.
    scoped = True

    master_number = forms.CharField(label=_("主工单编号"), max_length=20)
    note = forms.CharField(label=_("说明"), required=False, widget=TEXT, max_length=2000)

    def __init__(self, *args, orders: QuerySet[Ticket] | None = None, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        # Without the caller's orders, fail closed: never a confidential (保密) one (API keys cannot see those).
        self.orders = orders if orders is not None else Ticket.objects.shown_to_units()

    def clean_master_number(self) -> Ticket:
        number = self.cleaned_data["master_number"].strip()
        master = self.orders.filter(number=number).first()  # unknown and not visible alike: no leak
        if master is None:
            raise forms.ValidationError(_("找不到该工单"))
        return master


class SuperviseForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=SupervisionKind.choices)
    level = forms.TypedChoiceField(label=_("督办级别"), choices=[("", "—"), *SupervisionLevel.choices], coerce=int,
                                   required=False, empty_value=None,
                                   help_text=_("催办不改变级别；督办不选则保持已有级别"))
    note = forms.CharField(label=_("督办意见"), widget=TEXT, max_length=2000)

    def clean(self) -> dict:
        """A 催办 keeps the order's level whatever was picked (the service ignores it): no level is posted, so a
        second click with a level picked is the same step, not another one."""
        cleaned = super().clean()
        if cleaned.get("kind") == SupervisionKind.REMIND:
            cleaned["level"] = None
        return cleaned


class _WithinLimit(MaxLengthValidator):
    """Too long a text, said as the follow-up services say it (the limit and how many characters there are)."""

    message = _("内容不能超过 %(limit)d 个字（现有 %(count)d 个字）")

    def __call__(self, value: str) -> None:
        if len(value) > self.limit_value:
            raise forms.ValidationError(self.message, code=self.code,
                                        params={"limit": self.limit_value, "count": len(value)})


class FollowUpText(forms.CharField):
    """The text of a 催办/补充 (required, at most `max_length` characters, counted after trimming)."""

    def __init__(self, *, max_length: int, **kwargs) -> None:  # noqa: ANN003
        super().__init__(max_length=max_length, **kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]
        self.validators.append(_WithinLimit(max_length))


class ChaseForm(forms.Form):
    """群众催办: what the citizen said and what they were told (the unit and the supervisors read it)."""

    note = FollowUpText(label=_("催办情况（群众反映、告知的进度）"), widget=forms.Textarea(attrs={"rows": 2}),
                        max_length=MAX_CHASE_NOTE)


class SupplementForm(forms.Form):
    """补充诉求: the citizen's new facts, in their words; the registered description stays as it was."""

    text = FollowUpText(label=_("群众补充的内容（承办单位可见）"), widget=TEXT, max_length=MAX_SUPPLEMENT)


class OrderSupplementForm(SupplementForm):
    """补充诉求 on the order page and in the API: on an order waiting for the citizen (待群众补充) it may also
    resume handling (补充并恢复办理: both steps or neither). The page offers the box only there, and only to those
    who may resume (`workbench.views.bind`); the API takes `resume` anywhere and the service refuses it elsewhere."""

    resume = forms.BooleanField(label=_("群众已补充承办单位所需的情况，同时恢复办理"), required=False)


class DecisionForm(forms.Form):
    # No answer preselected: an approval (e.g. 审定终止办理) is irreversible, so the dispatcher must choose it.
    approve = forms.TypedChoiceField(label=_("审定结果"),
                                     choices=[("", _("—请选择—")), ("1", _("同意/成立")), ("0", _("驳回/不成立"))],
                                     coerce=lambda v: v == "1")
    note = forms.CharField(label=_("审定意见"), widget=TEXT, max_length=2000)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=TEXT, max_length=2000)


class TerminationForm(forms.Form):
    """A lead unit's application to stop handling (申请终止办理): the reason code and what it did."""

    #: The workbench and the API pass `ticket=`: a proactive order (主动发现) is offered no reason about a citizen.
    per_order = True

    reason_code = forms.ChoiceField(label=_("终止原因"), choices=TerminationReason.choices)
    reason = forms.CharField(label=_("已做工作及理由（不公开）"), widget=TEXT, max_length=2000,
                             help_text=_("如联系群众的时间和次数；群众只看到终止原因"))

    def __init__(self, *args, ticket: Ticket | None = None, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        if ticket is not None and ticket.is_proactive:  # the service refuses the others
            self.fields["reason_code"].widget.choices = [
                (v, label) for v, label in TerminationReason.choices if v not in CITIZEN_TERMINATION_REASONS]
            self.fields["reason"].help_text = _("主动发现的工单没有诉求人：写明已做的工作和终止的理由")


class CorrectForm(forms.Form):
    """工单更正: the order's own values to start from; change what was recorded wrong and say why.

    A field left blank (or, in the API, left out) keeps the order's value. The place is corrected as a whole:
    a district alone clears the street and community; a community alone brings its street and district.
    """

    #: The workbench and the API pass `ticket=`: an empty form starts from the order's values.
    per_order = True

    request_type = forms.ChoiceField(label=_("诉求类型"), choices=RequestType.choices, required=False)
    category = forms.IntegerField(label=_("诉求分类"), required=False, min_value=1, max_value=2_147_483_647,
                                  widget=forms.Select, help_text=_("三级分类"))
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, required=False)
    is_difficult = forms.NullBooleanField(label=_("疑难"), required=False,
                                          widget=forms.Select(choices=[("true", _("是")), ("false", _("否"))]))
    title = forms.CharField(label=_("标题"), max_length=200, required=False)
    district = forms.ModelChoiceField(label=_("区"), required=False, queryset=area_units(UnitKind.DISTRICT))
    street = forms.ModelChoiceField(label=_("街道/乡镇"), required=False, queryset=area_units(UnitKind.STREET))
    community = forms.ModelChoiceField(label=_("社区/村"), required=False,
                                       queryset=area_units(UnitKind.COMMUNITY))
    address = forms.CharField(label=_("事发地址"), max_length=255, required=False,
                              help_text=_("更正区、街道或社区时，请一并核对事发地址"))
    reason = forms.CharField(label=_("更正原因"), widget=TEXT, max_length=MAX_CORRECTION_REASON,
                             help_text=_("如：与来电人核实后的地址；已派发工单的单位时限不变，需加急请督办"))

    def __init__(self, *args, ticket: Ticket | None = None, **kwargs) -> None:  # noqa: ANN002, ANN003
        data = args[0] if args else kwargs.get("data")
        if ticket is not None and data is None and "initial" not in kwargs:
            kwargs["initial"] = {
                "request_type": ticket.request_type, "category": ticket.category_id, "urgency": ticket.urgency,
                # The select's values are "true"/"false": a bare False would match no option, and the browser
                # would pick the first one (是) and mark the order 疑难 on any correction.
                "is_difficult": "true" if ticket.is_difficult else "false", "title": ticket.title,
                "district": ticket.district_id,
                "street": ticket.street_id, "community": ticket.community_id, "address": ticket.address}
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        if ticket is not None:  # the order's own units stay choosable even if switched off since (区划调整)
            for name in ("district", "street", "community"):
                if (own := getattr(ticket, f"{name}_id")) is not None:
                    field = self.fields[name]
                    field.queryset = HandlingUnit.objects.filter(
                        Q(pk__in=field.queryset.values("pk")) | Q(pk=own)).order_by("path")
        # Option lists only when rendered (the API validates without loading every category and community).
        blank = ("", BLANK_CHOICE)
        self.fields["district"].empty_label = BLANK_CHOICE
        self.fields["category"].widget.choices = functools.cache(lambda: [blank, *category_choices()])
        self.fields["street"].widget.choices = functools.cache(
            lambda: [blank, *self._options(UnitKind.STREET, "district", "street", ticket)])
        self.fields["community"].widget.choices = functools.cache(
            lambda: [blank, *self._options(UnitKind.COMMUNITY, "street", "community", ticket)])
        # The lower level's options follow the upper one (hotline/static/hotline/area_select.js sends ?parent=).
        for name, child in (("district", "street"), ("street", "community")):
            self.fields[name].widget.attrs.update({
                "hx-get": reverse("intake-areas"), "hx-target": f"#id_{self.add_prefix(child)}",
                "data-area-param": "parent"})
        self.fields["district"].widget.attrs["data-area-clears"] = f"id_{self.add_prefix('community')}"

    def _chosen(self, name: str) -> int:
        """The id chosen (or started from) in an upper address level, for the options of the level below (0: none)."""
        raw = str(self[name].value() or "")
        return int(raw) if raw.isdecimal() and len(raw) <= 10 else 0

    def _options(self, kind: str, upper: str, name: str, ticket: Ticket | None) -> list[tuple[int, str]]:
        """The active units of `kind` under the upper level chosen, with the order's own one if it is not there."""
        options = area_choices(kind, self._chosen(upper))
        own = getattr(ticket, name) if ticket is not None else None
        if own is not None and own.parent_id == self._chosen(upper) and all(pk != own.pk for pk, _n in options):
            options.append((own.pk, own.name))
        return options

    def clean(self) -> dict:
        """A blank keeps the order's value: the service reads None as "as it is"."""
        data = super().clean()
        for name in ("request_type", "urgency", "title", "address"):
            if name in data and not str(data[name] or "").strip():
                data[name] = None
        return data

    def clean_category(self) -> Category | None:
        """An active third-level category, or the order's own one as it is (even if retired since the page opened:
        left unchanged, it is no correction)."""
        pk = self.cleaned_data["category"]
        if pk is None:
            return None
        if self.ticket is not None and pk == self.ticket.category_id:
            return Category.objects.filter(pk=pk).first()
        found = Category.objects.filter(pk=pk, level=3, is_active=True).first()
        if found is None:
            raise forms.ValidationError(_("请选择启用的三级分类"))
        return found
