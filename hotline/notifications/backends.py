"""Ways of delivering a message: an HTTP SMS gateway, e-mail, the console, a JSON-lines outbox file.

Which one is used is a setting (or environment variable): HOTLINE_NOTIFIER (a dotted path, default the
outbox file), or per channel the setting HOTLINE_NOTIFIERS = {"sms": "...", "email": "..."}. Every backend raises NotificationError
when it cannot deliver; the caller records the failure.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ClassVar, Literal, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

from hotline.core import clock
from hotline.notifications.exceptions import NotificationError, UnsupportedChannel

DEFAULT_NOTIFIER = "hotline.notifications.backends.FileNotifier"


@dataclass(frozen=True)
class Message:
    """One message to one recipient."""

    channel: Literal["sms", "email"]
    to: str
    subject: str
    body: str
    ticket_id: int | None = None


class Notifier(Protocol):
    """Anything that can deliver a message (raises NotificationError when it cannot)."""

    def send(self, message: Message) -> None: ...


def _setting(name: str, default: str = "") -> str:
    """A setting, else the environment variable of the same name."""
    value = getattr(settings, name, None)
    return str(value) if value not in (None, "") else os.environ.get(name, default)


class SmsNotifier:
    """An HTTP SMS gateway: a JSON POST signed with HMAC-SHA256 of the body.

    Settings (or environment): HOTLINE_SMS_URL, HOTLINE_SMS_ACCOUNT, HOTLINE_SMS_KEY,
    HOTLINE_SMS_SIGN (the 短信签名 put in front, default 【12345】), HOTLINE_SMS_TIMEOUT (seconds).
    The gateway must answer 2xx; a JSON answer whose result code is not a success is a failure too
    (`gateway_refusal`: "code" in any case, as Aliyun's {"Code": "isv.BUSINESS_LIMIT_CONTROL"}, "errcode" …).
    Subclass and override `payload` / `headers` for a gateway with another protocol.
    """

    channels: ClassVar[frozenset[str]] = frozenset({"sms"})

    def __init__(self, *, url: str | None = None, account: str | None = None, key: str | None = None,
                 sign: str | None = None, timeout: float | None = None) -> None:
        self.url = url if url is not None else _setting("HOTLINE_SMS_URL")
        self.account = account if account is not None else _setting("HOTLINE_SMS_ACCOUNT")
        self.key = key if key is not None else _setting("HOTLINE_SMS_KEY")
        self.sign = sign if sign is not None else _setting("HOTLINE_SMS_SIGN", "【12345】")
        self.timeout = timeout if timeout is not None else float(_setting("HOTLINE_SMS_TIMEOUT", "5"))

    def payload(self, message: Message) -> dict:
        """The JSON body the gateway receives."""
        return {"account": self.account, "mobile": message.to, "content": f"{self.sign}{message.body}",
                "timestamp": int(time.time()), "reference": str(message.ticket_id or "")}

    def headers(self, body: bytes) -> dict[str, str]:
        """HTTP headers, with the body's signature under the shared key."""
        signature = hmac.new(self.key.encode(), body, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/json; charset=utf-8", "X-Account": self.account,
                "X-Signature": signature}

    def send(self, message: Message) -> None:
        if message.channel not in self.channels:
            raise UnsupportedChannel(f"SmsNotifier cannot send {message.channel}")
        if not self.url.startswith(("https://", "http://")) or not self.account or not self.key:
            raise NotificationError("SMS gateway not configured (HOTLINE_SMS_URL/ACCOUNT/KEY)")
        body = json.dumps(self.payload(message), ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=body, headers=self.headers(body), method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - scheme checked
                answer = response.read(65536)
        except urllib.error.HTTPError as exc:
            raise NotificationError(f"SMS gateway answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise NotificationError(f"SMS gateway unreachable: {exc}") from exc
        try:
            result = json.loads(answer or b"{}")
        except ValueError:
            return  # a 2xx without JSON counts as accepted
        refusal = gateway_refusal(result)
        if refusal:  # gateways often echo the mobile ("invalid mobile 138…"): the error is logged and stored
            from hotline.core.privacy import numbers_masked

            raise NotificationError(f"SMS gateway refused: {numbers_masked(refusal)}"[:500])


#: Names of a gateway answer's result code, compared without case (code, Code, errcode, error_code, ret …).
CODE_KEYS = ("code", "errcode", "error_code", "ret", "result_code", "resultcode")
#: Names of its explanation.
MESSAGE_KEYS = ("message", "msg", "errmsg", "error_message", "description", "reason")
#: Result codes meaning "accepted", compared without case (Aliyun's OK, Tencent's Ok, 0, 200, success).
ACCEPTED_CODES = frozenset({"0", "00", "000", "200", "ok", "success", "succeeded", "true"})


def gateway_refusal(result: object) -> str:
    """The refusal in an SMS gateway's JSON answer ("" when it accepted the message).

    Read robustly: the result code under any usual name and case ({"code": 0}, Aliyun's {"Code": "OK"},
    {"errcode": 0}), a false "success" flag, and an answer wrapped in "Response"/"result"/"data"; an answer
    with none of them counts as accepted (the gateway answered 2xx).
    """
    if not isinstance(result, dict):
        return ""
    fields = {str(key).lower(): value for key, value in result.items()}
    for wrapper in ("response", "result", "data"):
        if isinstance(fields.get(wrapper), dict) and not any(k in fields for k in CODE_KEYS):
            return gateway_refusal(fields[wrapper])
    message = next((str(fields[k]) for k in MESSAGE_KEYS if fields.get(k) not in (None, "")), "")
    if fields.get("success") is False or str(fields.get("success", "")).lower() == "false":
        return f"success=false {message}".strip()
    for key in CODE_KEYS:
        if key in fields and fields[key] is not None:
            code = str(fields[key]).strip()
            return "" if code.lower() in ACCEPTED_CODES else f"{code} {message}".strip()
    return ""


class EmailNotifier:
    """E-mail through Django's mail settings (EMAIL_HOST, DEFAULT_FROM_EMAIL, …)."""

    channels: ClassVar[frozenset[str]] = frozenset({"email"})

    def send(self, message: Message) -> None:
        if message.channel not in self.channels:
            raise UnsupportedChannel(f"EmailNotifier cannot send {message.channel}")
        try:
            send_mail(message.subject, message.body, None, [message.to], fail_silently=False)
        except Exception as exc:  # SMTP errors, refused connections, bad addresses
            raise NotificationError(f"e-mail not sent: {exc}") from exc


def _line(message: Message) -> str:
    at = timezone.localtime(clock.now()).isoformat(timespec="seconds")
    return json.dumps({"at": at, **asdict(message)}, ensure_ascii=False) + "\n"


class ConsoleNotifier:
    """Prints each message as a JSON line on standard output (development)."""

    def send(self, message: Message) -> None:
        sys.stdout.write(_line(message))
        sys.stdout.flush()


class FileNotifier:
    """Appends each message as a JSON line to the outbox file (HOTLINE_OUTBOX, default var/outbox.jsonl).

    The demo's stand-in for a real gateway: `hotline outbox` shows the last messages.
    """

    _lock = threading.Lock()

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else outbox_path()

    def send(self, message: Message) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, self.path.open("a", encoding="utf-8") as out:
                out.write(_line(message))
        except OSError as exc:
            raise NotificationError(f"outbox not writable: {exc}") from exc


class MemoryNotifier:
    """Keeps messages in a list (a fake for tests): `MemoryNotifier.sent`."""

    sent: ClassVar[list[Message]] = []

    def send(self, message: Message) -> None:
        MemoryNotifier.sent.append(message)


def outbox_path() -> Path:
    """Where the file backend writes (setting HOTLINE_OUTBOX, default VAR_DIR/outbox.jsonl)."""
    configured = getattr(settings, "HOTLINE_OUTBOX", None)
    if configured:
        return Path(configured)
    return Path(getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var")) / "outbox.jsonl"


def get_notifier(channel: str) -> Notifier:
    """The backend configured for this channel."""
    per_channel = getattr(settings, "HOTLINE_NOTIFIERS", {}) or {}
    path = per_channel.get(channel) or _setting("HOTLINE_NOTIFIER", DEFAULT_NOTIFIER)
    return import_string(path)()
