"""对接平台 in the admin: the same rules as `hotline interop add-partner`, with a Chinese message on the form."""
import pytest

from hotline.api.keys import create_key
from hotline.api.scopes import Scope
from hotline.interop import services
from hotline.interop.choices import PartnerKind
from hotline.interop.models import Partner
from hotline.orgs.choices import UnitKind
from hotline.tickets.tests.factories import HandlingUnitFactory

pytestmark = pytest.mark.django_db


def test_a_specialised_hotline_without_its_unit_is_refused_on_the_form(admin_client) -> None:
    """docs/interop.md: a specialised hotline stands for a handling unit (orders dispatched to it are sent to it,
    it answers as it); `add_partner` refuses one without (「专业热线须对应一个承办单位」). Clearing the unit of an
    existing 12315 in the admin saves a partner that silently never receives an order again."""
    unit = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市市场监管局", code="DEPT-SJ")
    partner, _ = services.add_partner(code="12315", name="12315 市场监管热线", kind=PartnerKind.SPECIALISED,
                                      unit=unit)
    response = admin_client.post(f"/admin/interop/partner/{partner.pk}/change/", {
        "code": "12315", "name": "12315 市场监管热线", "kind": "specialised", "emergency_service": "",
        "unit": "", "api_key": partner.api_key_id, "is_active": "on", "endpoint_url": ""})
    assert response.status_code == 200, "saved a specialised hotline with no unit"
    assert Partner.objects.get(pk=partner.pk).unit_id == unit.pk


def test_a_key_without_the_transfer_scope_is_refused_on_the_form(admin_client) -> None:
    """The partner's key must have scope transfer (docs/interop.md), or every /interop/v1 call of the
    partner is refused: the form lets the administrator pick any key, e.g. a portal's read-only key."""
    key, _raw = create_key("微信公众号", [Scope.READ])
    response = admin_client.post("/admin/interop/partner/add/", {
        "code": "122", "name": "122 交通事故报警", "kind": "emergency", "emergency_service": "122",
        "unit": "", "api_key": key.pk, "is_active": "on", "endpoint_url": ""})
    assert response.status_code == 200, "saved a partner whose key cannot call /interop/v1"
    assert not Partner.objects.filter(code="122").exists()


def _form(**changes: object) -> dict[str, object]:
    return {"code": "12369", "name": "12369 环保热线", "kind": "specialised", "emergency_service": "",
            "unit": "", "api_key": "", "is_active": "on", "endpoint_url": "", **changes}


def test_a_revoked_key_is_refused_on_the_form(admin_client) -> None:
    from hotline.api.keys import revoke_key

    key, _raw = create_key("对接：122", [Scope.TRANSFER, Scope.READ])
    revoke_key(key)
    response = admin_client.post("/admin/interop/partner/add/", _form(
        code="122", name="122 交通事故报警", kind="emergency", emergency_service="122", api_key=key.pk))
    assert response.status_code == 200 and "transfer" in response.content.decode()
    assert not Partner.objects.exists()


def test_a_specialised_hotlines_key_acts_for_its_own_unit(admin_client) -> None:
    """The hotline answers through the REST API as its unit (docs/interop.md): a key of another unit, or of
    none, would answer as someone else; `add_partner` always binds the key to the partner's unit."""
    unit = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市生态环境局", code="DEPT-HB")
    other = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市水务局", code="DEPT-SW")
    for wrong_unit in (other, None):
        key, _raw = create_key(f"对接：12369 {wrong_unit}", [Scope.TRANSFER, Scope.READ], unit=wrong_unit)
        response = admin_client.post("/admin/interop/partner/add/", _form(unit=unit.pk, api_key=key.pk))
        assert response.status_code == 200, f"saved a hotline whose key acts for {wrong_unit}"
    assert not Partner.objects.exists()
    key, _raw = create_key("对接：12369", [Scope.TRANSFER, Scope.READ, Scope.ACT], unit=unit)
    response = admin_client.post("/admin/interop/partner/add/", _form(unit=unit.pk, api_key=key.pk))
    assert response.status_code == 302
    assert Partner.objects.get(code="12369").api_key == key


def test_add_partner_keeps_refusing_a_specialised_hotline_without_its_unit() -> None:
    from hotline.api.models import ApiKey
    from hotline.interop.exceptions import BadTransfer

    with pytest.raises(BadTransfer, match="^专业热线须对应一个承办单位$"):
        services.add_partner(code="12315", name="12315 市场监管热线", kind=PartnerKind.SPECIALISED)
    assert not Partner.objects.exists() and not ApiKey.objects.exists()


def test_a_partner_whose_key_was_revoked_can_still_be_switched_off_on_its_form(admin_client) -> None:
    from hotline.api.keys import revoke_key

    partner, _raw = services.add_partner(code="122", name="122 交通事故报警", kind=PartnerKind.EMERGENCY,
                                         emergency_service="122")
    revoke_key(partner.api_key)
    form = _form(code="122", name="122 交通事故报警", kind="emergency", emergency_service="122",
                 api_key=partner.api_key_id)
    assert admin_client.post(f"/admin/interop/partner/{partner.pk}/change/", form).status_code == 200
    del form["is_active"]
    assert admin_client.post(f"/admin/interop/partner/{partner.pk}/change/", form).status_code == 302
    assert not Partner.objects.get(pk=partner.pk).is_active
