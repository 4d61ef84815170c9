"""The numbers of a handling unit that citizens may see (咨询电话 on the public FAQ pages).

A unit's 联系电话 (`HandlingUnit.phone`) holds its office line and often the duty mobile that gets the
platform's SMS alerts (「0731-88990001 / 13907310001」, docs/portal.md §8). The mobile is a person's phone:
public pages show only what is left once every mainland mobile number is taken out — every part of the field
that the alerts read as the duty mobile (`notifications.unit_texts.duty_mobile`, «(139)0731-0001» included),
and every mobile written inside a part («值班手机 139 0731 0001»), so the two never disagree.
"""

from __future__ import annotations

import re
import unicodedata

#: What people put between the digit groups of one number: spaces, dots, brackets and every dash, in runs
#: («139 - 0731 - 0001», «139  0731  0001», «139—0731—0001», «(139)0731-0001»; full-width ones are folded to
#: these first).
_GROUP = r"[\s.()\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d]*"
#: A mainland mobile number as people write it: 1[3-9] and nine more digits, any run of separators between
#: them, and an optional country code in front (+86, 0086 or a bare 86: «8613907310001», «+86-139-0731-0001»).
_MOBILE = re.compile(rf"(?<!\d)(?:(?:\+|00)?86{_GROUP})?1[3-9](?:{_GROUP}\d){{9}}(?!\d)")
#: What separates several numbers in one field (as the unit alerts read it: / , ; 、 |).
_SEPARATORS = re.compile(r"[,;/、|]+")


def public_phone(written: str) -> str:
    """The unit's 联系电话 without its mobile numbers: the remaining numbers joined by " / ", "" if none remain.

    Full-width digits and punctuation are folded first (NFKC); a part the alerts read as the duty mobile is
    dropped whole, and a part left without any digit (a label such as 「值班手机」 whose number was taken out) too.
    """
    text = unicodedata.normalize("NFKC", written or "")
    kept = (_MOBILE.sub("", part) for part in _SEPARATORS.split(text) if not _read_as_mobile(part))
    parts = (" ".join(part.split()).strip("-. ") for part in kept)
    return " / ".join(part for part in parts if any(c.isdigit() for c in part))


def _read_as_mobile(part: str) -> bool:
    """Whether the unit alerts read this part of a 联系电话 as the duty mobile (`duty_mobile`, the same parsing)."""
    from hotline.notifications.unit_texts import duty_mobile  # notifications imports much: here, not at load
    from hotline.orgs.models import HandlingUnit

    return bool(duty_mobile(HandlingUnit(phone=part)))
