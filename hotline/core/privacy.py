"""Caller privacy: masked phone numbers (号码脱敏) for everyone who does not need the full number."""

from __future__ import annotations

import re
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


#: A phone number written into free text: a mobile (1xx xxxx xxxx) or a landline with its area code
#: (0xxx-xxxxxxxx), digits grouped by spaces or hyphens, with or without +86 / 0086 / 86 in front (after
#: which a landline's trunk 0 may be left out).
_MOBILE = r"1\d{2}[ -]?\d{4}[ -]?\d{4}"
_PHONE_IN_TEXT = re.compile(
    rf"(?<![\d+])(?:(?:\+|00)?86[ -]?(?:{_MOBILE}|0?\d{{2,3}}[ -]?\d{{7,8}})|{_MOBILE}|0\d{{2,3}}[ -]?\d{{7,8}})(?!\d)")
#: A resident identity card number (身份证号): 17 digits and a check digit or X.
_ID_CARD = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dA-Za-z])")
_COUNTRY_CODE = re.compile(r"^(?:\+|00)?86")
#: Full-width digits, plus, hyphen and the ideographic space, as a Chinese input method types them.
_FOLD_WIDTH = {**{0xFF10 + d: str(d) for d in range(10)}, 0xFF0B: "+", 0xFF0D: "-", 0x3000: " ", 0xFF38: "X",
               0xFF58: "x"}


def _mask_found_phone(found: str) -> str:
    digits = re.sub(r"[ -]", "", found)
    if _COUNTRY_CODE.match(digits) and len(digits) > 11:
        digits = _COUNTRY_CODE.sub("", digits)
        if not digits.startswith(("0", "1")):
            digits = "0" + digits  # +86 731 87654321: the area code written without its trunk 0
    return mask_phone(digits)


def scrub_public_text(text: str) -> str:
    """Free text made fit to publish: phone numbers and identity card numbers (身份证号) masked.

    Numbers typed in full width (１３８…) are found too. Everything else is kept exactly as written; a
    run of digits shaped like neither (an order number, an amount, a date) is left alone.
    """
    text = text or ""
    folded = text.translate(_FOLD_WIDTH)  # one character for one, so positions agree with `text`
    spans: list[tuple[int, int, str]] = []
    for match in _ID_CARD.finditer(folded):
        spans.append((match.start(), match.end(), match.group(0)[:6] + "*" * 8 + match.group(0)[-4:]))
    for match in _PHONE_IN_TEXT.finditer(folded):
        if not any(start < match.end() and match.start() < end for start, end, _ in spans):
            spans.append((match.start(), match.end(), _mask_found_phone(match.group(0))))
    for start, end, masked in sorted(spans, reverse=True):
        text = text[:start] + masked + text[end:]
    return text


def phone_for(ticket: Any, user: Any) -> str:
    """The caller's phone as this person may see it: full for centre staff, masked for everyone else."""
    phone = getattr(ticket, "caller_phone", "") or ""
    role = getattr(user, "role", None)
    if user is not None and getattr(user, "is_authenticated", False) and role in CENTRE_ROLES:
        from hotline.ops.access import phone_shown  # every full number shown is recorded (docs/security.md)

        phone_shown(ticket, user, phone)
        return phone
    return mask_phone(phone)
