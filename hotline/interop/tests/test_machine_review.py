"""Review of the partner interface: endpoints on the centre's own network are refused (SSRF) unless the
centre allows its intranet, and text with NUL characters is a 400, never stored."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.accounts.choices import Role
from hotline.api.models import ApiKey
from hotline.interop import services
from hotline.interop.choices import PartnerKind
from hotline.interop.exceptions import BadTransfer
from hotline.interop.models import Partner, PartnerMessage
from hotline.tickets.choices import EmergencyService
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import UserFactory
from hotline.webhooks.models import Subscription

pytestmark = pytest.mark.django_db

PRIVATE = ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:9/110", "http://localhost:8080/in",
           "http://10.0.0.5/in", "http://192.168.3.4/in", "http://[::1]/in", "http://[fd00::7]/in"]


def _police(url: str = "") -> tuple[Partner, str]:
    return services.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                emergency_service=EmergencyService.POLICE, url=url)


@pytest.mark.parametrize("url", PRIVATE)
def test_adding_a_partner_with_an_intranet_endpoint_is_refused(url: str) -> None:
    with pytest.raises(BadTransfer, match="接收地址不能指向本机、内网或保留地址"):
        _police(url)
    assert not Partner.objects.exists() and not ApiKey.objects.exists() and not Subscription.objects.exists()


def test_the_command_refuses_it_too() -> None:
    with pytest.raises(CommandError, match="169.254.169.254"):
        call_command("interop", "add-partner", "110", "市公安局110指挥中心", "--url",
                     "http://169.254.169.254/latest/meta-data/", stdout=StringIO())
    assert not Partner.objects.exists()


def test_changing_the_endpoint_to_the_intranet_is_refused_and_the_old_one_kept() -> None:
    partner, _raw = _police("https://110.example.gov.cn/hotline")
    with pytest.raises(BadTransfer, match="127.0.0.1"):
        services.set_endpoint(partner, "http://127.0.0.1:6379/")
    assert Subscription.objects.get(pk=partner.endpoint_id).url == "https://110.example.gov.cn/hotline"


def test_the_admin_refuses_an_intranet_endpoint(client) -> None:  # noqa: ANN001
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    partner, _raw = _police("https://110.example.gov.cn/hotline")
    answer = client.post(f"/admin/interop/partner/{partner.pk}/change/", {
        "code": partner.code, "name": partner.name, "kind": partner.kind,
        "emergency_service": partner.emergency_service, "api_key": partner.api_key_id, "is_active": "on",
        "endpoint_url": "http://169.254.169.254/latest/meta-data/"})
    assert answer.status_code == 200  # the form again, with the error
    assert "接收地址不能指向本机、内网或保留地址" in answer.content.decode()
    assert Subscription.objects.get(pk=partner.endpoint_id).url == "https://110.example.gov.cn/hotline"


def test_a_centre_may_allow_its_intranet_but_not_link_local(settings) -> None:  # noqa: ANN001
    settings.HOTLINE_WEBHOOKS_ALLOW_PRIVATE = True
    partner, _raw = _police("http://10.20.30.40/110")
    assert partner.endpoint.url == "http://10.20.30.40/110"
    with pytest.raises(BadTransfer):
        services.set_endpoint(partner, "http://169.254.169.254/")


# --- NUL characters ----------------------------------------------------------------------------------------


def _send(client, raw: str, body: dict, path: str = "/interop/v1/transfers"):  # noqa: ANN001, ANN202
    return client.post(path, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.mark.parametrize("body", [
    {"reference": "JQ-1", "content": "噪音\x00扰民"},
    {"reference": "JQ\x00-1", "content": "噪音扰民"},
    {"reference": "JQ-1", "content": "噪音扰民", "title": "噪音\x00"},
    {"reference": "JQ-1", "content": "噪音扰民", "address": "幸福路\x00"},
    {"reference": "JQ-1", "content": "噪音扰民", "caller": {"name": "赵\x00六", "phone": "13612345678"}},
])
def test_a_transfer_with_a_nul_character_is_a_400_and_creates_nothing(client, body: dict) -> None:  # noqa: ANN001
    _partner, raw = _police()
    answer = _send(client, raw, body)
    assert answer.status_code == 400 and "NUL" in answer.json()["detail"], answer.content
    assert not Ticket.objects.exists() and not PartnerMessage.objects.exists()


def test_an_acknowledgement_with_a_nul_character_is_a_400(client) -> None:  # noqa: ANN001
    _partner, raw = _police()
    answer = _send(client, raw, {"number": "202503040000001", "note": "已到场\x00"}, "/interop/v1/acks")
    assert answer.status_code == 400 and "NUL" in answer.json()["detail"]
