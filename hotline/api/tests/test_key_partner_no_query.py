"""A key's partner platform is read with the key: deciding what a partner may see costs no query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hotline.api import keys
from hotline.api.principal import partner_of
from hotline.core.privacy import partner_account
from hotline.interop.models import Partner

pytestmark = pytest.mark.django_db


def test_a_partner_key_and_an_ordinary_key_answer_without_a_query() -> None:
    key, raw = keys.create_key("110对接密钥", ["read", "transfer"], role="intake")
    Partner.objects.create(code="110", name="110指挥中心", api_key=key)
    other, other_raw = keys.create_key("政务服务App", ["read"], role="intake")

    loaded = keys.authenticate(raw)
    with CaptureQueriesContext(connection) as captured:
        assert partner_of(loaded) is not None
        assert partner_account(loaded.user)
    assert not captured.captured_queries

    plain = keys.authenticate(other_raw)
    with CaptureQueriesContext(connection) as captured:
        assert partner_of(plain) is None
        assert not partner_account(plain.user)
    assert not captured.captured_queries
