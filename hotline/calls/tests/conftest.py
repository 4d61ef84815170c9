"""Fixtures of the calls tests: a PBX source, a signed poster, and event builders."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from hotline.calls.models import PbxSource
from hotline.calls.signing import signed_headers
from hotline.tickets.tests.factories import SHANGHAI

DAY = datetime(2025, 3, 4, 0, 0, tzinfo=SHANGHAI)  # the frozen_now fixture's day (10:00 that day)


@pytest.fixture
def source(db: None) -> PbxSource:
    return PbxSource.objects.create(key="pbx-test", name="测试交换机", secret="s3cret-for-tests")


Post = Callable[..., Any]


@pytest.fixture
def post(client: Any, source: PbxSource) -> Post:
    """POST a body (or events) to the CTI endpoint, signed with the test source unless told otherwise."""

    def send(payload: Any, *, key: str | None = None, secret: str | None = None, timestamp: int | None = None,
             raw: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
        body = raw if raw is not None else json.dumps(payload).encode()
        signed = signed_headers(key or source.key, secret or source.secret, body, timestamp=timestamp)
        if headers is not None:
            signed = headers
        return client.post("/cti/v1/events", data=body, content_type="application/json", headers=signed)

    return send


def at(minute: float, second: float = 0) -> str:
    """An ISO timestamp `minute` minutes (and seconds) after 09:00 on the test day."""
    return (DAY + timedelta(hours=9, minutes=minute, seconds=second)).isoformat()


def ev(event_id: str, kind: str, when: str, **fields: Any) -> dict[str, Any]:
    return {"id": event_id, "type": kind, "at": when, **fields}
