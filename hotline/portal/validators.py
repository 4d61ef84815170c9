"""Chinese phone numbers: normalise what a citizen types and tell mobiles from landlines."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

#: A mainland mobile number: 11 digits, 1 then 3–9.
MOBILE = re.compile(r"1[3-9]\d{9}")
#: A landline: area code 0xx or 0xxx, a 7–8 digit number not starting with 0 or 1, optional extension.
LANDLINE = re.compile(r"0\d{2,3}-?[2-9]\d{6,7}(-\d{1,6})?")


def normalize_phone(value: str) -> str:
    """The number in a canonical form (mobile: 11 digits; landline: area-number), or ValidationError.

    A country code in front of a mobile is dropped: +86, 0086, or a bare 86 as the intake reads it (8613812345678)."""
    text = unicodedata.normalize("NFKC", value or "")
    text = re.sub(r"[\s()（）]", "", text).replace("—", "-").replace("－", "-")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    digits = text.replace("-", "")
    if MOBILE.fullmatch(digits):
        return digits
    if digits.startswith("86") and MOBILE.fullmatch(digits[2:]):  # a bare 86 in front, as the intake reads it
        return digits[2:]
    if LANDLINE.fullmatch(text):
        if "-" not in text:  # 01012345678 -> 010-12345678 (3-digit area codes start with 01 or 02)
            cut = 3 if text[1] in "12" else 4
            text = f"{text[:cut]}-{text[cut:]}"
        return text
    raise ValidationError(_("请输入正确的手机号码或固定电话（如 13812345678 或 010-12345678）"), code="phone")


def is_mobile(value: str) -> bool:
    """True for a number that can receive SMS (a mainland mobile number)."""
    return bool(MOBILE.fullmatch((value or "").strip()))
