"""The delivery backends: SMS gateway over HTTP, e-mail, outbox file; the admin and the outbox command."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import urllib.error
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command

from hotline.notifications.backends import (
    EmailNotifier,
    FileNotifier,
    MemoryNotifier,
    Message,
    SmsNotifier,
    get_notifier,
)
from hotline.notifications.exceptions import NotificationError, UnsupportedChannel

SMS = Message(channel="sms", to="13812345678", subject="受理通知", body="您的诉求已受理，工单号1。", ticket_id=7)


class FakeResponse(io.BytesIO):
    def __enter__(self) -> FakeResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Captures what SmsNotifier posts; the answer is taken from `gateway.answer`."""
    seen: list[Any] = []

    def urlopen(request: Any, timeout: float) -> FakeResponse:
        seen.append(request)
        answer = getattr(urlopen, "answer", b'{"code": 0}')
        if isinstance(answer, Exception):
            raise answer
        return FakeResponse(answer)

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    seen.append(urlopen)
    return seen


def sms_notifier() -> SmsNotifier:
    return SmsNotifier(url="https://sms.example.cn/send", account="hotline", key="k3y", sign="【A市12345】")


def test_the_sms_gateway_gets_a_signed_json_post(gateway: list[Any]) -> None:
    sms_notifier().send(SMS)
    request = gateway[1]
    body = json.loads(request.data)
    assert request.full_url == "https://sms.example.cn/send" and request.get_method() == "POST"
    assert body["mobile"] == "13812345678" and body["content"] == "【A市12345】您的诉求已受理，工单号1。"
    assert body["account"] == "hotline" and body["reference"] == "7"
    expected = hmac.new(b"k3y", request.data, hashlib.sha256).hexdigest()
    assert request.get_header("X-signature") == expected


@pytest.mark.parametrize("answer", [
    b'{"code": 40001, "message": "bad mobile"}',
    urllib.error.URLError("refused"),
    urllib.error.HTTPError("https://sms.example.cn/send", 500, "boom", {}, None),  # type: ignore[arg-type]
])
def test_gateway_failures_raise_notification_error(gateway: list[Any], answer: Any) -> None:
    gateway[0].answer = answer
    with pytest.raises(NotificationError):
        sms_notifier().send(SMS)


def test_an_unconfigured_gateway_refuses_clearly(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOTLINE_SMS_URL", "HOTLINE_SMS_ACCOUNT", "HOTLINE_SMS_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(NotificationError, match="not configured"):
        SmsNotifier().send(SMS)
    with pytest.raises(UnsupportedChannel):
        sms_notifier().send(Message(channel="email", to="a@b.cn", subject="s", body="b"))


def test_the_gateway_is_configured_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_SMS_URL", "https://gw.example.cn/v1/sms")
    monkeypatch.setenv("HOTLINE_SMS_ACCOUNT", "acc")
    monkeypatch.setenv("HOTLINE_SMS_KEY", "secret")
    notifier = SmsNotifier()
    assert (notifier.url, notifier.account, notifier.key, notifier.sign) == (
        "https://gw.example.cn/v1/sms", "acc", "secret", "【12345】")


def test_email_goes_through_django_mail() -> None:
    EmailNotifier().send(Message(channel="email", to="citizen@example.cn", subject="受理通知", body="已受理"))
    [sent] = mail.outbox
    assert (sent.to, sent.subject, sent.body) == (["citizen@example.cn"], "受理通知", "已受理")
    with pytest.raises(UnsupportedChannel):
        EmailNotifier().send(SMS)


def test_the_file_backend_appends_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "outbox.jsonl"
    FileNotifier(path).send(SMS)
    FileNotifier(path).send(SMS)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2 and lines[0]["body"] == SMS.body and lines[0]["at"]


def test_the_backend_is_chosen_by_setting(settings: Any) -> None:
    settings.HOTLINE_NOTIFIER = "hotline.notifications.backends.MemoryNotifier"
    settings.HOTLINE_NOTIFIERS = {"email": "hotline.notifications.backends.EmailNotifier"}
    assert isinstance(get_notifier("sms"), MemoryNotifier)
    assert isinstance(get_notifier("email"), EmailNotifier)
    del settings.HOTLINE_NOTIFIER
    assert isinstance(get_notifier("sms"), FileNotifier)


def test_the_outbox_command_prints_the_last_messages(_outbox: Path) -> None:
    for n in range(3):
        FileNotifier(_outbox).send(Message(channel="sms", to="13812345678", subject="受理通知", body=f"第{n}条"))
    out = io.StringIO()
    call_command("outbox", "-n", "2", stdout=out)
    text = out.getvalue()
    assert "第0条" not in text and "第1条" in text and "第2条" in text
    assert "138****5678" in text and "13812345678" not in text


@pytest.mark.django_db
def test_the_admin_log_is_read_only_and_masks_recipients(admin_client: Any, cast: Any,
                                                         django_capture_on_commit_callbacks: Any) -> None:
    from hotline.notifications.models import Notification
    from hotline.tickets import services

    with django_capture_on_commit_callbacks(execute=True):
        services.register(services.TicketDraft(request_type="help", title="", description="求助",
                                               caller_phone="13812345678"), actor=cast.intake)
    note = Notification.objects.get()
    listing = admin_client.get("/admin/notifications/notification/").content.decode()
    detail = admin_client.get(f"/admin/notifications/notification/{note.pk}/change/").content.decode()
    for page in (listing, detail):
        assert "138****5678" in page and "13812345678" not in page
    assert admin_client.get("/admin/notifications/notification/add/").status_code == 403
    assert admin_client.post(f"/admin/notifications/notification/{note.pk}/delete/").status_code == 403


def test_a_refusal_echoing_the_mobile_keeps_it_masked_in_the_error(gateway: list[Any]) -> None:
    """The error is logged and stored on the text (`Notification.error`): no full number in it."""
    gateway[0].answer = b'{"code": "isv.MOBILE_NUMBER_ILLEGAL", "message": "invalid mobile 13812345678"}'
    with pytest.raises(NotificationError) as caught:
        sms_notifier().send(SMS)
    assert "13812345678" not in str(caught.value) and "138****5678" in str(caught.value)
