"""Caller privacy: masked phone numbers (号码脱敏) for everyone who does not need the full number."""

from __future__ import annotations

from typing import Any

from hotline.accounts.choices import CENTRE_ROLES

#: A mobile number: 11 digits starting with 1 (the mainland numbering plan).
_MOBILE_LENGTH = 11


def mask_phone(phone: str) -> str:
    """Hide the middle of a phone number: 13812341234 → 138****1234; others keep 3 first and 2 last."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) == _MOBILE_LENGTH and phone.isdigit() and phone.startswith("1"):
        return f"{phone[:3]}****{phone[-4:]}"
    if len(phone) <= 5:
        # Too short to keep 3 + 2 and still hide something: keep the first character only.
        return "*" if len(phone) == 1 else phone[:1] + "*" * (len(phone) - 1)
    return phone[:3] + "*" * (len(phone) - 5) + phone[-2:]


def phone_for(ticket: Any, user: Any) -> str:
    """The caller's phone as this person may see it: full for centre staff, masked for everyone else."""
    phone = getattr(ticket, "caller_phone", "") or ""
    role = getattr(user, "role", None)
    if user is not None and getattr(user, "is_authenticated", False) and role in CENTRE_ROLES:
        from hotline.ops.access import phone_shown  # every full number shown is recorded (docs/security.md)

        phone_shown(ticket, user, phone)
        return phone
    return mask_phone(phone)
