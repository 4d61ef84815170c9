"""`hotline interop add-partner` refuses an empty code or name and an endpoint that is not a web address."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.api.models import ApiKey
from hotline.interop.models import Partner
from hotline.webhooks.models import Subscription

pytestmark = pytest.mark.django_db


def _add(*args: str) -> str:
    out = StringIO()
    call_command("interop", "add-partner", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(("args", "message"), [
    (("", "市公安局110指挥中心"), "编码不能为空"),
    (("  ", "市公安局110指挥中心"), "编码不能为空"),
    (("110", ""), "名称不能为空"),
    (("1" * 21, "市公安局110指挥中心"), "编码最多 20 个字符"),
    (("110", "名" * 101), "名称最多 100 个字符"),
    (("110", "市公安局110指挥中心", "--url", "notaurl"), "接收地址须为以 http:// 或 https:// 开头的网址：notaurl"),
    (("110", "市公安局110指挥中心", "--url", "ftp://110.example.gov.cn/in"), "接收地址须为以 http://"),
])
def test_bad_partner_fields_are_refused_and_nothing_is_created(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        _add(*args)
    assert not Partner.objects.exists() and not ApiKey.objects.exists() and not Subscription.objects.exists()


def test_a_good_partner_is_created_with_its_fields_trimmed() -> None:
    out = _add(" 110 ", " 市公安局110指挥中心 ", "--url", "https://110.example.gov.cn/hotline")
    partner = Partner.objects.get()
    assert (partner.code, partner.name, partner.endpoint.url) == ("110", "市公安局110指挥中心",
                                                                 "https://110.example.gov.cn/hotline")
    assert "partner 110 created" in out


def test_an_existing_code_is_refused_even_with_spaces() -> None:
    _add("110", "市公安局110指挥中心")
    with pytest.raises(CommandError, match="partner '110' exists already"):
        _add(" 110", "另一个")
    assert Partner.objects.count() == 1
