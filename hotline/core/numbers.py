"""Identity card numbers (身份证号) written into free text: one pattern for every place that looks for them.

Pure Python, no Django: the privacy masking (`hotline.core.privacy`) and the reply check
(`hotline.intelligence.reply_quality`, which stays importable without Django) both use it, so a number the
masking would hide is a number the reply check flags.
"""

from __future__ import annotations

import re

#: A resident identity card number (身份证号): 17 digits and a check digit or X, also in 6-8-4 groups
#: separated by spaces or hyphens (430102 19900101 1234). Match it on text folded with `FOLD_WIDTH`.
ID_CARD = re.compile(r"(?<!\d)\d{6}([ -]?)\d{8}\1\d{3}[\dXx](?![\dA-Za-z])")

#: Full-width digits, plus, hyphen, brackets and the ideographic space, as a Chinese input method types them,
#: and the dashes (—, –) people write between digit groups: one character for one.
FOLD_WIDTH = {**{0xFF10 + d: str(d) for d in range(10)}, 0xFF0B: "+", 0xFF0D: "-", 0x3000: " ", 0xFF38: "X",
              0xFF58: "x", 0xFF08: "(", 0xFF09: ")", 0x2014: "-", 0x2013: "-", 0x2012: "-", 0x2212: "-"}


def folded(text: str) -> str:
    """`text` with full-width digits and signs folded to ASCII, one character for one (positions agree)."""
    return text.translate(FOLD_WIDTH)


def has_id_card(text: str) -> bool:
    """Whether `text` holds an identity card number, as the privacy masking finds one."""
    return ID_CARD.search(folded(text)) is not None
