"""A partner platform's key (110, a specialised hotline) reads an order whose caller is withheld (举报, 匿名) as a unit
reads it — no name, company or number, texts scrubbed — as `interop.outbound` sends it, although the 110 key acts
through a 受理员 account (`core.privacy.partner_account`). An ordinary centre key still reads it as the centre does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hotline.api.keys import change_scope, create_key
from hotline.api.scopes import Scope
from hotline.core.privacy import caller_private, partner_account, shows_caller
from hotline.interop import services as interop
from hotline.interop.choices import PartnerKind
from hotline.ops.models import AccessRecord
from hotline.taxonomy.choices import RequestType
from hotline.tickets import services as tickets
from hotline.tickets.choices import EmergencyService, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import UserFactory, make_ticket
from hotline.webhooks.tests.offline_dns import _offline_dns  # noqa: F401 - fixture (the partner's endpoint)

pytestmark = pytest.mark.django_db

NAME, COMPANY, PHONE = "王建华", "华兴建材有限公司", "13812345678"
DESCRIPTION = f"举报人{NAME}反映：某仓库夜间有人贩卖违禁品，联系电话{PHONE}"

WITHHELD = [
    pytest.param({"request_type": RequestType.REPORT}, "（举报人信息保密）", id="report"),
    pytest.param({"request_type": RequestType.HELP, "is_anonymous": True}, "（匿名）", id="anonymous"),
]


@pytest.fixture
def police(db: None) -> tuple[Any, str]:
    partner, raw = interop.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                       emergency_service=EmergencyService.POLICE)
    interop.set_endpoint(partner, "https://110.example.gov.cn/hotline")
    return partner, raw


def _sent_to_110(partner: Any, capture: Any, **draft: Any) -> Ticket:
    """An order transferred to 110 (转应急) and acknowledged: the 110 key reads it."""
    order = make_ticket(Status.REGISTERED, caller_name=NAME, caller_company=COMPANY, caller_phone=PHONE,
                        description=DESCRIPTION, **draft)
    with capture(execute=True):
        tickets.transfer(order, actor=order.cast.intake, to=EmergencyService.POLICE, note="一键转110")
    interop.record_acknowledgement(partner, order, "JQ-OUT-9")
    return order


def _read(api: Any, order: Ticket) -> tuple[dict[str, Any], str]:
    response = api.get(f"/orders/{order.number}")
    assert response.status_code == 200, response.content
    timeline = api.get(f"/orders/{order.number}/timeline")
    assert timeline.status_code == 200
    return response.json(), json.dumps([response.json(), timeline.json()], ensure_ascii=False)


@pytest.mark.parametrize(("draft", "stand_in"), WITHHELD)
def test_the_110_key_reads_no_withheld_caller(frozen_now, police, django_capture_on_commit_callbacks,  # noqa: ANN001
                                              api_client, draft, stand_in) -> None:  # noqa: ANN001
    partner, raw = police
    order = _sent_to_110(partner, django_capture_on_commit_callbacks, **draft)
    body, everything = _read(api_client(raw), order)
    assert body["caller_name"] == stand_in
    assert body["caller_phone"] == "" and body["caller_company"] == ""
    assert body["description"] == "举报人王**反映：某仓库夜间有人贩卖违禁品，联系电话138****5678"
    for secret in (NAME, COMPANY, PHONE):
        assert secret not in everything, secret
    assert not AccessRecord.objects.exists()  # nothing full was shown


@pytest.mark.parametrize(("draft", "stand_in"), WITHHELD)
def test_the_phone_scope_does_not_open_a_withheld_caller_to_a_partner(frozen_now, police, api_client,  # noqa: ANN001
                                                                      django_capture_on_commit_callbacks,  # noqa: ANN001
                                                                      draft, stand_in) -> None:  # noqa: ANN001
    """Even granted `phone` (which `add-partner` never does), the partner reads the order as a unit does."""
    partner, raw = police
    change_scope(partner.api_key, Scope.PHONE, granted=True)
    order = _sent_to_110(partner, django_capture_on_commit_callbacks, **draft)
    body, everything = _read(api_client(raw), order)
    assert body["caller_name"] == stand_in and body["caller_phone"] == ""
    for secret in (NAME, COMPANY, PHONE):
        assert secret not in everything, secret
    assert not AccessRecord.objects.filter(kind="full_phone").exists()


def test_the_110_key_still_reads_the_caller_of_an_ordinary_order(frozen_now, police, api_client,  # noqa: ANN001
                                                                 django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    """Outbound sends 110 the caller of an order that is not private: the key reads it too (number masked
    without `phone`), unchanged."""
    partner, raw = police
    order = _sent_to_110(partner, django_capture_on_commit_callbacks, request_type=RequestType.HELP)
    body, _everything = _read(api_client(raw), order)
    assert body["caller_name"] == NAME and body["caller_company"] == COMPANY
    assert body["caller_phone"] == "138****5678"


def test_a_specialised_hotlines_key_reads_no_withheld_caller(frozen_now, api_client) -> None:  # noqa: ANN001
    """A specialised hotline answers as its unit: a 举报 dispatched to it shows no reporter."""
    order = make_ticket(Status.IN_PROGRESS, request_type=RequestType.REPORT, caller_name=NAME,
                        caller_company=COMPANY, caller_phone=PHONE, description=DESCRIPTION)
    _partner, raw = interop.add_partner(code="12315", name="12315 市场监管热线", kind=PartnerKind.SPECIALISED,
                                        unit=order.cast.lead)
    body, everything = _read(api_client(raw), order)
    assert body["caller_name"] == "（举报人信息保密）"
    for secret in (NAME, COMPANY, PHONE):
        assert secret not in everything, secret


@pytest.mark.parametrize(("draft", "stand_in"), WITHHELD)
def test_an_ordinary_centre_key_reads_the_withheld_caller_as_the_centre_does(frozen_now, api_client,  # noqa: ANN001
                                                                             draft, stand_in) -> None:  # noqa: ANN001
    """As designed (docs/api.md): a key of the centre's own systems that is no partner's reads what its 受理员
    account reads — the reporter named, the number in full with `phone` (recorded)."""
    order = make_ticket(Status.REGISTERED, caller_name=NAME, caller_company=COMPANY, caller_phone=PHONE,
                        description=DESCRIPTION, **draft)
    _key, raw = create_key("呼叫中心坐席系统", [Scope.READ, Scope.CREATE, Scope.PHONE])
    body, _everything = _read(api_client(raw), order)
    assert (body["caller_name"], body["caller_company"], body["caller_phone"]) == (NAME, COMPANY, PHONE)
    assert body["description"] == DESCRIPTION
    assert AccessRecord.objects.filter(kind="full_phone", subject=order.number).exists()


def test_privacy_decides_for_partner_accounts_in_one_place(frozen_now, police,  # noqa: ANN001
                                                           django_assert_num_queries) -> None:  # noqa: ANN001
    """`core.privacy`: the partner's 受理员 account is a partner account, a person of that role is not (and costs no
    query); a private order is a withheld or a confidential one."""
    partner, _raw = police
    account = partner.api_key.user
    person = UserFactory(role=account.role)
    report = make_ticket(Status.REGISTERED, request_type=RequestType.REPORT)
    confidential = make_ticket(Status.REGISTERED, cast=report.cast, is_confidential=True, caller_name=NAME)
    ordinary = make_ticket(Status.REGISTERED, cast=report.cast, caller_name=NAME)
    with django_assert_num_queries(0):
        assert not partner_account(person) and not partner_account(None)
    assert partner_account(account)
    with django_assert_num_queries(0):  # kept on the instance
        assert partner_account(account)
    assert caller_private(report) and caller_private(confidential) and not caller_private(ordinary)
    assert not shows_caller(report, account) and not shows_caller(confidential, account)
    assert shows_caller(ordinary, account)
    assert shows_caller(report, person) and shows_caller(confidential, person)
