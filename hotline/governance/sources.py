"""Where a theme (每月一题) comes from: a hot spot's window as a label, and keywords from its title.

A hot spot row lives only until its window is recomputed, so a theme keeps these (and the spot's
orders) itself; `selectors.themes_of_hotspots` matches hot spots to themes by those orders.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from hotline.hotspots.choices import RunKind
from hotline.hotspots.models import HotspotRun

#: At most this many keywords are suggested from a hot spot's title.
MAX_KEYWORDS = 3
#: Words too general to measure a problem by (a place kind, a filler), left out of suggested keywords.
_GENERAL = frozenset(
    "小区 社区 街道 道路 马路 公路 农村 城乡 居民 业主 市民 群众 反映 投诉 咨询 建议 要求 希望 请求 问题 情况 严重 "
    "长期 经常 一直 多次 附近 周边 区域 地方 路段 路口 夜间 晚上 白天 凌晨 我们 他们 没有 不能 无法 存在 相关 部门 处理 解决".split()
)
_LATIN = re.compile(r"[0-9A-Za-z_]+")


def window_label(run: HotspotRun) -> str:
    """The hot spot's window as people say it: YYYY-MM (a month), YYYY-Www (a week) or first – last day,
    in the current (the centre's) time zone."""
    start = timezone.localtime(run.start)
    if run.kind == RunKind.MONTH:
        return f"{start:%Y-%m}"
    if run.kind == RunKind.WEEK:
        year, week, _day = start.isocalendar()
        return f"{year}-W{week:02d}"
    last = timezone.localtime(run.end) - timedelta(seconds=1)
    return f"{start:%Y-%m-%d} – {last:%Y-%m-%d}"


#: Words that name a place (a compound, a road, a village …), not the problem: 南苑, 名府, 幸福小区, 人民路.
_PLACE_NAME = re.compile(r"(苑|园|府|庭|湾|村|镇|乡|县|路|街|巷|广场|小区|公寓|大厦|花园)$")


def keywords_from(title: str, place: str = "") -> list[str]:
    """Up to MAX_KEYWORDS words of a hot spot's title worth counting orders by (电动车, 充电 …).

    jieba's precise cut; single characters, latin/digits (A2), general words and the words of the
    place are left out. The adopt form only suggests them: the person edits them.
    """
    from hotline.intelligence.segment import STOPWORDS, tokenizer

    found: list[str] = []
    for word in tokenizer().lcut(title or ""):
        word = word.strip()
        if (len(word) < 2 or _LATIN.fullmatch(word) or word in STOPWORDS or word in _GENERAL
                or (place and word in place) or _PLACE_NAME.search(word) or word in found):
            continue
        found.append(word)
    # A title names the place first and the problem last (「…花果山名府南苑噪音扰民」): keep the last words.
    return found[-MAX_KEYWORDS:]
