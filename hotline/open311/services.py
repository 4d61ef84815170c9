"""`POST requests`: a citizen's app submits a request, recorded through the intake service (受理登记)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from hotline.api.models import ApiKey
from hotline.api.scopes import Scope
from hotline.core import clock
from hotline.open311 import selectors
from hotline.open311.constants import MAX_DESCRIPTION
from hotline.open311.exceptions import BadRequest, Forbidden
from hotline.open311.models import SubmittedRequest
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.portal.validators import normalize_phone
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.tickets import services as tickets
from hotline.tickets.choices import Action, Channel
from hotline.tickets.exceptions import DomainError
from hotline.tickets.services._core import check_role

#: Longest `service_code` looked up (leading zeros allowed); what is stored is the category's own code.
_MAX_CODE_INPUT = 64
_AREA_KINDS = {UnitKind.DISTRICT: "district", UnitKind.STREET: "street", UnitKind.COMMUNITY: "community"}
#: Most `attribute[…]` parameters a request may carry, and the longest value of one (kept with the request).
MAX_ATTRIBUTES = 20
MAX_ATTRIBUTE_LENGTH = 500
#: Longest `attribute[title]`: the order's title column.
MAX_TITLE = 200


@dataclass(frozen=True)
class Created:
    """What `POST requests` answers: the order's number and the token that also finds it."""

    service_request_id: str
    token: str


def _coordinate(value: str, name: str, limit: int) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise BadRequest(_("%(field)s 不是数字") % {"field": name}) from None
    if not number.is_finite() or not -limit <= number <= limit:
        raise BadRequest(_("%(field)s 超出范围") % {"field": name})
    return number.quantize(Decimal("0.000001"))


def _area(address_id: str) -> dict[str, HandlingUnit]:
    """The district/street/community an `address_id` (a unit code of the area tree) stands for."""
    unit = HandlingUnit.objects.filter(code=address_id, is_active=True, kind__in=list(_AREA_KINDS)).first()
    if unit is None:
        raise BadRequest(_("address_id「%(id)s」不存在") % {"id": address_id})
    found: dict[str, HandlingUnit] = {}
    for node in unit.ancestors_and_self():
        if node.kind in _AREA_KINDS:
            found[_AREA_KINDS[node.kind]] = node
    return found


def _caller_name(first: str, last: str) -> str:
    """Chinese names are written family name first; Latin ones first name first."""
    first, last = first.strip(), last.strip()
    if (first + last).isascii():
        return " ".join(p for p in (first, last) if p)
    return f"{last}{first}"


def _attribute(params: Mapping[str, str], code: str, choices: list[str] | None, default: str) -> str:
    value = (params.get(f"attribute[{code}]") or "").strip()
    if not value:
        return default
    if choices is not None and value not in choices:
        raise BadRequest(_("attribute[%(code)s] 的值「%(value)s」无效") % {"code": code, "value": value})
    return value


def _extra_attributes(params: Mapping[str, str]) -> dict[str, str]:
    """The `attribute[…]` parameters, kept with the request: at most `MAX_ATTRIBUTES`, each value at most
    `MAX_ATTRIBUTE_LENGTH` characters (`attribute[title]` at most `MAX_TITLE`); more is refused (400), never cut."""
    extra = {k[len("attribute["):-1]: v for k, v in params.items() if k.startswith("attribute[") and k.endswith("]")}
    if len(extra) > MAX_ATTRIBUTES:
        raise BadRequest(_("attribute[…] 参数过多：最多 %(limit)d 个（现有 %(count)d 个）")
                         % {"limit": MAX_ATTRIBUTES, "count": len(extra)})
    for code, value in extra.items():
        limit = MAX_TITLE if code == "title" else MAX_ATTRIBUTE_LENGTH
        if len(code) > MAX_ATTRIBUTE_LENGTH or len((value or "").strip()) > limit:
            shown = code if len(code) <= _MAX_CODE_INPUT else code[:_MAX_CODE_INPUT] + "…"
            raise BadRequest(_("attribute[%(code)s] 过长：最多 %(limit)d 个字符（现有 %(count)d 个）")
                             % {"code": shown, "limit": limit, "count": len((value or "").strip())})
    return extra


def _actor(key: ApiKey):  # noqa: ANN202 - User | None
    """The key's account that registers, or no one (an integration registers like the portal does)."""
    actor = key.actor_for(Scope.CREATE)
    try:
        check_role(Action.REGISTER, actor)
    except DomainError:
        return None
    return actor


def _refuse_nul(params: Mapping[str, str]) -> None:
    """Refuse (400) a parameter whose name or value holds a NUL: PostgreSQL can neither store nor look it up."""
    for name, value in params.items():
        if "\x00" in name or "\x00" in (value or ""):
            raise BadRequest(_("%(field)s含有无法保存的空字符（NUL），请删除后重新提交")
                             % {"field": name.replace("\x00", "")})


def _refuse_longer_than_column(**values: str) -> None:
    """Refuse (400) a value the validators accept but its column cannot hold (an e-mail may be 320
    characters, the column 254; a URL 2,048, the column 500): PostgreSQL would fail the whole request."""
    for name, value in values.items():
        limit = SubmittedRequest._meta.get_field(name).max_length
        if limit is not None and len(value) > limit:
            raise BadRequest(_("%(field)s 过长：最多 %(limit)d 个字符（现有 %(count)d 个）")
                             % {"field": name, "limit": limit, "count": len(value)})


def create_request(params: Mapping[str, str], key: ApiKey | None) -> Created:
    """Record a request submitted through Open311 as a new order on the App channel; returns its number."""
    if key is None:
        raise Forbidden(_("api_key 缺失或无效"))
    if not key.allows(Scope.CREATE):
        raise Forbidden(_("该 api_key 无权新建工单"))
    _refuse_nul(params)
    code = (params.get("service_code") or "").strip()
    if not code:
        raise BadRequest(_("缺少 service_code"))
    # A code longer than any real one finds nothing (and a 5,000-digit one would not even convert to an int).
    category = selectors.find_service(code) if len(code) <= _MAX_CODE_INPUT else None
    if category is None:
        shown = code if len(code) <= _MAX_CODE_INPUT else code[:_MAX_CODE_INPUT] + "…"
        raise BadRequest(_("service_code「%(code)s」不存在") % {"code": shown})
    lat, lon = (params.get("lat") or "").strip(), (params.get("long") or "").strip()
    address = (params.get("address_string") or "").strip()
    address_id = (params.get("address_id") or "").strip()
    if bool(lat) != bool(lon):
        raise BadRequest(_("lat 和 long 须同时提供"))
    if not (lat or address or address_id):
        raise BadRequest(_("须提供位置：lat/long、address_string 或 address_id 之一"))
    description = (params.get("description") or "").strip()
    if not description:
        raise BadRequest(_("缺少 description（诉求内容）"))
    if len(description) > MAX_DESCRIPTION:
        raise BadRequest(_("description 超过 %(n)s 字") % {"n": MAX_DESCRIPTION})
    email = (params.get("email") or "").strip()
    media_url = (params.get("media_url") or "").strip()
    phone = (params.get("phone") or "").strip()
    try:
        if email:
            validate_email(email)
        if media_url:
            URLValidator(schemes=["http", "https"])(media_url)
        if phone:
            phone = normalize_phone(phone)  # the agent must be able to call back
    except ValidationError as exc:
        raise BadRequest(*exc.messages) from None
    _refuse_longer_than_column(email=email, media_url=media_url)
    if len(phone) > 32 or len(address) > 255:
        raise BadRequest(_("phone 或 address_string 过长"))
    extra = _extra_attributes(params)
    title = _attribute(params, "title", None, "")
    draft = tickets.TicketDraft(
        request_type=_attribute(params, "request_type", RequestType.values, RequestType.COMPLAINT),
        urgency=_attribute(params, "urgency", Urgency.values, Urgency.NORMAL),
        title=title, description=description, channel=Channel.APP, category=category,
        caller_name=_caller_name(params.get("first_name") or "", params.get("last_name") or "")[:50],
        caller_phone=phone, address=address,
        latitude=_coordinate(lat, "lat", 90) if lat else None,
        longitude=_coordinate(lon, "long", 180) if lon else None,
        **(_area(address_id) if address_id else {}),
    )
    with transaction.atomic():
        try:
            ticket = tickets.register(draft, actor=_actor(key))
        except DomainError as exc:
            raise BadRequest(str(exc)) from None
        token = secrets.token_urlsafe(18)
        SubmittedRequest.objects.create(
            ticket=ticket, token=token, service_code=str(category.pk), api_key=key, email=email,
            device_id=(params.get("device_id") or "")[:100], account_id=(params.get("account_id") or "")[:100],
            media_url=media_url, attributes=extra, created_at=clock.now(),
        )
    return Created(service_request_id=ticket.number or "", token=token)
