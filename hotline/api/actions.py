"""Lifecycle steps over the API: one operation per step of the workbench registry (`STEPS`).

Each call: the order must be visible (404), the key must carry the scope (403), a citizen's repeat call on
a merged order is refused naming its master (409 `invalid_transition`), the body's `version` must be the
order's (409 `conflict`; a 会商意见 made on a version that only other units' opinions followed goes on), the step must be allowed from the order's status (409 `invalid_transition`) and for the
caller's role (403; a unit key transfers only the orders its intake account registered), the body must pass the step's form (400), the step must be offered to the caller as
on the order page (`available_actions`: their unit's own assignment → 403, a pending request to decide →
409); then the step's own service runs, which re-checks everything under the row lock. Nothing changes
on a refusal. The list of steps says which must wait for now (`held`, as the page shows them).
"""

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from pydantic import BaseModel

from hotline.accounts.models import User
from hotline.api import serialize
from hotline.api.errors import ApiError
from hotline.api.orders import ORDER_ERRORS, principal_of, visible_order
from hotline.api.schemas import ActionOut, ErrorOut, OrderDetailOut
from hotline.api.scopes import Scope
from hotline.api.steps import BODIES, validated
from hotline.tickets.choices import Action, Status
from hotline.tickets.exceptions import ConflictError, InvalidTransition
from hotline.tickets.models import Ticket
from hotline.tickets.permissions import available_actions
from hotline.tickets.services.consultation import opinions_only_since
from hotline.tickets.services.followups import _not_merged
from hotline.tickets.services.holds import held_steps
from hotline.tickets.transitions import TRANSITIONS
from hotline.workbench.actions import STEPS, StepSpec, for_order

router = Router(tags=["actions"])

ACTION_ERRORS = {**ORDER_ERRORS, 409: ErrorOut}


def action_path(action: str) -> str:
    return f"/orders/{{number}}/actions/{action}"


@router.get("/orders/{number}/actions", response={200: list[ActionOut], **ORDER_ERRORS},
            operation_id="list_order_actions", summary="调用方现在可对该工单执行的操作")
def list_actions(request: HttpRequest, number: str):  # noqa: ANN201
    principal = principal_of(request)
    principal.require_any(Scope.READ, Scope.ACT, Scope.TRANSFER)
    ticket = visible_order(principal, number)
    by_actor: dict[int, list[str]] = {}
    offered: list[tuple[str, User]] = []
    for action in STEPS:
        actor = principal.actor_for_action(action)
        if actor.pk not in by_actor:
            by_actor[actor.pk] = available_actions(ticket, actor)
        if action in by_actor[actor.pk] and principal.may_take_on(action, ticket):
            offered.append((action, actor))
    held: dict[str, str] = {}
    for actor in {actor.pk: actor for _a, actor in offered}.values():
        held.update(held_steps(ticket, actor, [a for a, who in offered if who.pk == actor.pk]))
    return [{"action": a, "label": for_order(STEPS[a], ticket).label, "path": f"/api/v1{action_path(a)}".replace(
        "{number}", ticket.number), "body_schema": BODIES[a].__name__, "held": held.get(a)} for a, _actor in offered]


#: The repeat-call steps whose service names the master of a merged order (已并单) in its refusal.
_TAKEN_ON_THE_MASTER = frozenset({Action.CHASE, Action.SUPPLEMENT})


def _refuse_on_a_merged_order(ticket: Ticket, spec: StepSpec) -> None:
    """A citizen's repeat call on a merged order (已并单) goes to its master: 409 `invalid_transition` with the
    service's words naming it and `details.master_number`, whatever the body's `version` says."""
    if ticket.status != Status.MERGED or spec.action not in _TAKEN_ON_THE_MASTER:
        return
    try:
        _not_merged(ticket, spec.action)
    except InvalidTransition as refused:
        master = Ticket.objects.filter(pk=ticket.master_id).values_list("number", flat=True).first()
        raise ApiError(409, InvalidTransition.code, refused.message,
                       {"status": ticket.status, "action": spec.action, "master_number": master}) from None


def take_step(request: HttpRequest, number: str, spec: StepSpec, body: BaseModel) -> dict:
    """Take one step on one order for the caller; the updated order, or an ApiError/DomainError."""
    principal = principal_of(request)
    ticket = visible_order(principal, number)  # first the order (404), then the scope (403): docs/api.md «Steps»
    principal.require(principal.scope_for_action(spec.action))
    spec = for_order(spec, ticket)  # its name on this order (a proactive order's 回访 is its 现场核查)
    actor = principal.actor_for_action(spec.action)
    _refuse_on_a_merged_order(ticket, spec)
    version = body.version
    if version < ticket.version and spec.action == Action.GIVE_OPINION and opinions_only_since(
            ticket, version, user=actor):
        version = ticket.version  # only other units' opinions came in meanwhile: they do not conflict with this one
    if version != ticket.version:
        raise ApiError(409, ConflictError.code, _("工单已被他人处理，请刷新后重试"),
                       {"expected_version": body.version, "current_version": ticket.version})
    row = TRANSITIONS[spec.action]
    if ticket.status not in row.sources:
        raise ApiError(409, "invalid_transition",
                       _("工单当前状态为「%(status)s」，不能执行「%(action)s」") % {"status": ticket.get_status_display(),
                                                                   "action": spec.label},
                       {"status": ticket.status, "action": spec.action})
    if actor.role not in row.roles:
        raise ApiError(403, "not_permitted", _("%(role)s无权执行「%(action)s」") % {
            "role": actor.get_role_display(), "action": spec.label})
    if not principal.may_take_on(spec.action, ticket):
        # A unit key's transfer runs as its intake account: only for the orders that account registered.
        raise ApiError(403, "not_permitted", _("单位的密钥只能对其自己登记的工单执行「%(action)s」") % {
            "action": spec.label})
    data = validated(spec, body, principal.orders(), ticket)
    if spec.action not in available_actions(ticket, actor):
        # The same gate as the order page: the unit's own assignment, or a pending request to decide.
        # If someone changed the order meanwhile (its assignments were read after ours), that is a conflict.
        current = Ticket.objects.filter(pk=ticket.pk).values_list("version", flat=True).first()
        if current != version:
            raise ApiError(409, ConflictError.code, _("工单已被他人处理，请刷新后重试"),
                           {"expected_version": body.version, "current_version": current})
        if row.by_unit and not actor.is_centre_staff:
            raise ApiError(403, "not_permitted", _("您所在单位没有可执行「%(action)s」的派单") % {"action": spec.label})
        raise ApiError(409, "invalid_transition", _("该工单现在没有可「%(action)s」的事项") % {"action": spec.label})
    ticket.version = version  # the service's lock compares it with the stored order (a race → 409)
    with transaction.atomic():
        spec.perform(ticket, actor, data)
    ticket = visible_order(principal, number, serialize.detail_queryset(Ticket.objects.all()))
    return serialize.order_detail(ticket, principal.user, full_phone=principal.sees_full_phones,
                                  confidential=principal.reads_confidential)


def _register(action: str, spec: StepSpec) -> None:
    body_type = BODIES[action]

    def step(request: HttpRequest, number: str, payload: body_type):  # type: ignore[valid-type]  # noqa: ANN202
        return take_step(request, number, spec, payload)

    step.__name__ = f"action_{action}"
    row = TRANSITIONS[action]
    router.post(action_path(action), response={200: OrderDetailOut, **ACTION_ERRORS},
                operation_id=f"action_{action}", summary=f"{spec.label}（{action}）",
                description=f"允许的工单状态：{', '.join(sorted(row.sources))}；"
                            f"角色：{', '.join(sorted(row.roles))}" + ("；须以承办单位身份" if row.by_unit else ""),
                )(step)


for _action, _spec in STEPS.items():
    _register(_action, _spec)
