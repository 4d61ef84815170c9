"""Transfers in from partners (转入), acknowledgements and feedback, and partner configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.api.keys import create_key
from hotline.api.models import ApiKey
from hotline.api.scopes import Scope
from hotline.core import clock, targets
from hotline.interop import backlog
from hotline.interop.choices import Direction, MessageKind, PartnerKind
from hotline.interop.exceptions import BadTransfer, ReferenceConflict, UnknownOrder
from hotline.interop.models import ExternalReference, Partner, PartnerMessage
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.taxonomy.models import Category
from hotline.tickets import services as tickets
from hotline.tickets.choices import Action, Channel
from hotline.tickets.exceptions import DomainError
from hotline.tickets.models import Ticket
from hotline.tickets.services._core import check_role
from hotline.webhooks.choices import SubscriptionKind
from hotline.webhooks.models import Delivery, Subscription, new_secret
from hotline.workbench.intake.constants import CALLER_PHONE_MAX_DIGITS, CALLER_PHONE_MIN_DIGITS
from hotline.workbench.intake.selectors import normalise_phone


@dataclass(frozen=True)
class Received:
    """The outcome of a transfer in: our order, and whether this call created it."""

    ticket: Ticket
    created: bool


def _flag(data: Mapping[str, Any], name: str) -> bool:
    """A JSON boolean; anything else ("false", 0, "yes") is refused rather than guessed."""
    value = data.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise BadTransfer(_("%(name)s 须为 true 或 false") % {"name": name})
    return value


def _text(data: Mapping[str, Any], name: str, limit: int, *, required: bool = False, label: str = "") -> str:
    """The text field `name` of `data`, stripped; errors name it as `label` (e.g. `caller.name`), else `name`."""
    label = label or name
    value = data.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadTransfer(_("%(field)s 须为字符串") % {"field": label})
    if "\x00" in value:  # PostgreSQL cannot store it: the same refusal as every entered text (core/entered.py)
        raise BadTransfer(_("%(what)s含有无法保存的空字符（NUL），请删除后重新提交") % {"what": label})
    value = value.strip()
    if required and not value:
        raise BadTransfer(_("缺少 %(field)s") % {"field": label})
    if len(value) > limit:
        raise BadTransfer(_("%(field)s 超过 %(n)s 字") % {"field": label, "n": limit})
    return value


def _phone(data: Mapping[str, Any], name: str) -> str:
    """The caller's number as the intake stores it (`normalise_phone`: +86, spaces and dashes dropped), so
    that the receipt SMS, the caller history and the duplicate check find it; a value that is still not
    a number (ASCII digits, one leading「+」at most, as many digits as the intake takes) is refused."""
    phone = normalise_phone(_text(data, name, 32, label=f"caller.{name}"))
    digits = phone.removeprefix("+")
    if phone and not (digits.isascii() and digits.isdigit()
                      and CALLER_PHONE_MIN_DIGITS <= len(digits) <= CALLER_PHONE_MAX_DIGITS):
        raise BadTransfer(_("caller.%(field)s 不是有效的电话号码（应为 %(min)d 至 %(max)d 位数字，可带 +86）")
                          % {"field": name, "min": CALLER_PHONE_MIN_DIGITS, "max": CALLER_PHONE_MAX_DIGITS})
    return phone


def _coordinate(data: Mapping[str, Any], name: str, limit: int) -> Decimal | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise BadTransfer(_("%(field)s 不是数字") % {"field": name}) from None
    if not number.is_finite() or not -limit <= number <= limit:
        raise BadTransfer(_("%(field)s 超出范围") % {"field": name})
    return number.quantize(Decimal("0.000001"))


def _position(data: Mapping[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    """The point (lat, long): both or neither, as Open311's `POST requests` takes it."""
    lat, lon = _coordinate(data, "lat", 90), _coordinate(data, "long", 180)
    if (lat is None) != (lon is None):
        raise BadTransfer(_("lat 和 long 须同时提供"))
    return lat, lon


def _category(hint: str) -> Category | None:
    """The active category the partner's hint names (full name, or a unique leaf name), if any."""
    if not hint:
        return None
    found = Category.objects.filter(is_active=True, full_name=hint).first()
    if found is not None:
        return found
    named = list(Category.objects.filter(is_active=True, name=hint)[:2])
    return named[0] if len(named) == 1 else None


def _registrar(key: ApiKey | None) -> User | None:
    """The key's account that may register orders, else no one (integrations may register anonymously)."""
    for user in (key.intake_user if key else None, key.user if key else None):
        if user is None:
            continue
        try:
            check_role(Action.REGISTER, user)
        except DomainError:
            continue
        return user
    return None


def receive_transfer(partner: Partner, data: Mapping[str, Any]) -> Received:
    """A partner hands an order to the centre (工单转入); the same reference twice gives the same order."""
    reference = _text(data, "reference", 64, required=True)
    existing = ExternalReference.objects.filter(partner=partner, direction=Direction.IN,
                                                external_id=reference).select_related("ticket").first()
    if existing is not None:
        _log(partner, existing.ticket, Direction.IN, MessageKind.DUPLICATE_IN, reference, _("重复转入，已忽略"))
        return Received(existing.ticket, created=False)
    content = _text(data, "content", 4000, required=True)
    caller = data.get("caller") or {}
    if not isinstance(caller, Mapping):
        raise BadTransfer(_("caller 须为对象"))
    urgency = _text(data, "urgency", 16) or Urgency.NORMAL
    request_type = _text(data, "request_type", 16) or RequestType.HELP
    if urgency not in Urgency.values:
        raise BadTransfer(_("urgency 只能为 %(values)s") % {"values": "、".join(Urgency.values)})
    if request_type not in RequestType.values:
        raise BadTransfer(_("request_type 只能为 %(values)s") % {"values": "、".join(RequestType.values)})
    hint = _text(data, "category_hint", 255)
    latitude, longitude = _position(data)
    draft = tickets.TicketDraft(
        request_type=request_type, title=_text(data, "title", 200), description=content,
        channel=Channel.TRANSFER_IN, category=_category(hint), urgency=urgency,
        caller_name=_text(caller, "name", 50, label="caller.name"), caller_phone=_phone(caller, "phone"),
        is_confidential=_flag(data, "confidential"), address=_text(data, "address", 255),
        latitude=latitude, longitude=longitude,
    )
    note = _("由「%(partner)s」转入，对方编号 %(ref)s") % {"partner": partner.name, "ref": reference}
    try:
        with transaction.atomic():
            ticket = tickets.register(draft, actor=_registrar(partner.api_key), note=note, data={
                "partner": partner.code, "reference": reference, "category_hint": hint})
            ExternalReference.objects.create(partner=partner, direction=Direction.IN, external_id=reference,
                                             ticket=ticket, created_at=clock.now())
    except IntegrityError:  # the same reference arrived twice at once: the other call created it
        twin = ExternalReference.objects.filter(partner=partner, direction=Direction.IN,
                                                external_id=reference).select_related("ticket").first()
        if twin is None:
            raise
        return Received(twin.ticket, created=False)
    except DomainError as exc:
        raise BadTransfer(str(exc)) from None
    _log(partner, ticket, Direction.IN, MessageKind.TRANSFER_IN, reference, note)
    return Received(ticket, created=True)


def _log(partner: Partner, ticket: Ticket | None, direction: str, kind: str, external_id: str = "",
         summary: str = "", delivery: Any = None) -> PartnerMessage:
    return PartnerMessage.objects.create(partner=partner, ticket=ticket, direction=direction, kind=kind,
                                         external_id=external_id[:64], summary=summary, delivery=delivery,
                                         created_at=clock.now())


def _sent_to(partner: Partner, number: str) -> Ticket:
    """An order of ours that was sent to this partner (it may acknowledge only those)."""
    ticket = Ticket.objects.filter(number=number, partner_messages__partner=partner,
                                   partner_messages__kind=MessageKind.TRANSFER_OUT).first()
    if ticket is None:
        raise UnknownOrder(_("没有转给贵方的工单「%(number)s」") % {"number": number})
    return ticket


def acknowledge(partner: Partner, data: Mapping[str, Any]) -> PartnerMessage:
    """The partner confirms it took over an order we sent (签收), giving its own reference, or reports back."""
    number = _text(data, "number", 20, required=True)
    reference = _text(data, "reference", 64)
    note = _text(data, "note", 2000)
    if not reference and not note:
        raise BadTransfer(_("须提供 reference 或 note"))
    ticket = _sent_to(partner, number)
    return record_acknowledgement(partner, ticket, reference, note)


def record_acknowledgement(partner: Partner, ticket: Ticket, reference: str, note: str = "") -> PartnerMessage:
    """Keep the partner's reference (once) and log its acknowledgement or feedback.

    A reference the partner already gave for another order of ours is refused (`ReferenceConflict`, 409)
    and nothing is recorded: it cannot stand for two orders, nor be news about this one.
    """
    kind = MessageKind.ACK_IN
    if reference:
        try:
            with transaction.atomic():
                ExternalReference.objects.create(partner=partner, direction=Direction.OUT, external_id=reference,
                                                 ticket=ticket, created_at=clock.now())
        except IntegrityError:
            owner = ExternalReference.objects.filter(partner=partner, direction=Direction.OUT,
                                                     external_id=reference).values_list("ticket_id", flat=True).first()
            if owner is not None and owner != ticket.pk:
                raise ReferenceConflict(_("对方编号「%(ref)s」已对应另一张工单，不能用于工单 %(number)s")
                                        % {"ref": reference, "number": ticket.number}) from None
            kind = MessageKind.FEEDBACK_IN  # the reference is known: this is further news about it
    else:
        kind = MessageKind.FEEDBACK_IN
    return _log(partner, ticket, Direction.IN, kind, reference, note)


# --- Configuration --------------------------------------------------------------------------------


def set_endpoint(partner: Partner, url: str, secret: str = "") -> Subscription:
    """Point the partner's outbound messages at `url` (its signed endpoint), switching the endpoint on
    (it stays off while the partner is switched off: `switch_off`).

    Call it when the address is set or changed, not on every save of the partner: it re-enables an
    endpoint an administrator switched off; what was queued for it meanwhile goes out then, except what waited
    longer than `HELD_LIMIT` (marked failed, `backlog.expire_stale`). An address on the centre's own network is
    refused (`BadTransfer`).
    """
    check_endpoint_target(url)
    with transaction.atomic():
        partner.refresh_from_db(fields=["is_active"])  # as it is now (switched off elsewhere meanwhile?)
        if partner.endpoint_id:
            endpoint = partner.endpoint
            was_off = not Subscription.objects.filter(pk=endpoint.pk, is_active=True).exists()
            endpoint.url, endpoint.is_active = url, partner.is_active
            if secret:
                endpoint.secret = secret
            endpoint.save()
            if was_off and endpoint.is_active:  # what waited for it too long is given up, not sent
                backlog.expire_stale(Delivery.objects.filter(subscription=endpoint))
        else:
            endpoint = Subscription.objects.create(name=f"partner:{partner.code}", url=url, kind=SubscriptionKind.PARTNER,
                                                   secret=secret or new_secret())
            partner.endpoint = endpoint
            partner.save(update_fields=["endpoint"])
    return endpoint


def clear_endpoint(partner: Partner) -> Subscription | None:
    """Stop sending the partner's outbound messages: its endpoint is switched off (the address is kept).

    Also what switching a partner off (停用, `switch_off`) does to its endpoint: the deliverer sends
    only to active endpoints, so messages already queued for it stay unsent (`set_endpoint` switches it on again).
    """
    endpoint = partner.endpoint if partner.endpoint_id else None
    if endpoint is not None and endpoint.is_active:
        endpoint.is_active = False
        endpoint.save(update_fields=["is_active"])
    return endpoint


@transaction.atomic
def switch_off(partner: Partner) -> bool:
    """Switch a partner off (停用对接平台): cut it off both ways, as docs/interop.md describes.

    Its key is refused by `/interop/v1` (403) and reads no order through `/api/v1` (nor do the webhooks its
    accounts own hear of any: the deliverer holds back what was queued for them, `deliverer.sendable`), no new
    message is queued for it, and its endpoint is switched off, so that the messages already queued are not
    delivered. The key is not revoked and the address is kept: `switch_on` lets the key in again (and releases
    what was queued for its accounts' webhooks), and entering the address again (`set_endpoint`) switches the
    endpoint on.
    Each changed row is saved on its own (an admin change trail records each). Returns whether the partner
    was on; switching off twice changes nothing.
    """
    locked = Partner.objects.select_for_update(of=("self",)).select_related("endpoint").get(pk=partner.pk)
    was_on = locked.is_active
    locked.is_active = False
    if was_on:
        locked.save(update_fields=["is_active"])  # `Partner.save` switches the endpoint off with it
    else:
        clear_endpoint(locked)  # switched off before, its endpoint perhaps switched on again since
    partner.is_active = False
    if partner.endpoint_id and Partner.endpoint.is_cached(partner):  # the caller's copy says so too
        partner.endpoint.is_active = False
    return was_on


@transaction.atomic
def switch_on(partner: Partner) -> bool:
    """Switch a partner on again (启用): its key reads and transfers again, and the webhooks its accounts own are
    sent what was held back for them; its endpoint stays off until its address is entered again
    (`set_endpoint`). What was held for it longer than `HELD_LIMIT` is not sent but marked failed with
    `EXPIRED_REASON` (`Partner.save`, `backlog.expire_stale`). Returns whether the partner was off."""
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    was_off = not locked.is_active
    if was_off:
        locked.is_active = True
        locked.save(update_fields=["is_active"])
    partner.is_active = True
    return was_off


@transaction.atomic
def add_partner(*, code: str, name: str, kind: str, emergency_service: str = "", unit: HandlingUnit | None = None,
                url: str = "", created_by: User | None = None) -> tuple[Partner, str]:
    """Set up a partner with its API key (scope transfer; a specialised hotline also acts as its unit).

    Returns the partner and the raw key (shown once).
    """
    code, name, url = code.strip(), name.strip(), url.strip()
    _check_partner_fields(code, name, url)
    if kind not in PartnerKind.values:
        raise BadTransfer(_("未知的平台类型「%(kind)s」") % {"kind": kind})
    partner = Partner(code=code, name=name, kind=kind, emergency_service=emergency_service, unit=unit)
    _check_partner_rules(partner)  # before a key is made for it
    scopes = [Scope.TRANSFER, Scope.READ] + ([Scope.ACT] if unit is not None else [])
    with transaction.atomic():  # the key, the partner and its endpoint, or nothing
        partner.api_key, raw = create_key(f"对接：{name}"[:100], scopes, unit=unit, created_by=created_by)
        _check_partner_rules(partner)
        partner.save(force_insert=True)
        if url:
            set_endpoint(partner, url)
    return partner, raw


def _check_partner_rules(partner: Partner) -> None:
    """The rules the admin's partner form applies too (`Partner.clean`), refused with their message."""
    try:
        partner.clean()
    except ValidationError as exc:
        raise BadTransfer("；".join(exc.messages)) from None


def _check_partner_fields(code: str, name: str, url: str) -> None:
    """Refuse an empty or too long code or name, and an endpoint that is not a public http(s) address."""
    for value, field in ((code, Partner._meta.get_field("code")), (name, Partner._meta.get_field("name"))):
        if not value:
            raise BadTransfer(_("%(field)s不能为空") % {"field": field.verbose_name})
        if len(value) > field.max_length:
            raise BadTransfer(_("%(field)s最多 %(max)s 个字符") % {"field": field.verbose_name, "max": field.max_length})
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise BadTransfer(_("接收地址须为以 http:// 或 https:// 开头的网址：%(url)s") % {"url": url}) from None
        if len(url) > Subscription._meta.get_field("url").max_length:
            raise BadTransfer(_("接收地址过长：%(url)s") % {"url": url})
        check_endpoint_target(url)


def check_endpoint_target(url: str) -> None:
    """Refuse an endpoint whose host is, or resolves to, a loopback, private, link-local or other non-public
    address (`hotline.core.targets`), unless `HOTLINE_WEBHOOKS_ALLOW_PRIVATE` allows the intranet.

    A name that does not resolve now is accepted: the deliverer checks the address again before every message.
    """
    refused = targets.refusal(url)
    if refused is not None and refused.reason != targets.UNRESOLVED:
        raise BadTransfer(_("接收地址不能指向本机、内网或保留地址：%(target)s") % {"target": refused.target})

