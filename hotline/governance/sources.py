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
    "长期 经常 一直 多次 附近 周边 区域 地方 路段 路口 夜间 晚上 白天 凌晨 我们 他们 没有 不能 无法 存在 相关 部门 处理 解决 "
    "最近 目前 现在 已经 总是 容易 位于 若干 一来 规定".split()
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


#: Words that name a place (a compound, a village, a street …), not the problem: 南苑, 名府, 幸福小区, 河镇.
#: Not 园 or 路: 幼儿园, 公园, 线路 and 短路 name problems.
_PLACE_NAME = re.compile(r"(苑|府|庭|湾|村|镇|乡|县|街|巷|广场|小区|公寓|大厦|花园)$")

#: Candidates looked at, by weight, before the filters keep MAX_KEYWORDS of them.
_CANDIDATES = 12


def keywords_from(title: str, place: str = "") -> list[str]:
    """Up to MAX_KEYWORDS words of a hot spot's title worth counting orders by (电动车, 充电 …).

    The title's words ranked by TF-IDF (jieba's own IDF table, shipped with jieba: rare words such as
    水压 or 断水 rank above common ones such as 最近 or 容易), in the project's segmentation; single
    characters, latin/digits (A2), stopwords, general words, place names and the words of the place are
    left out. The adopt form only suggests them: the person edits them.
    """
    from hotline.intelligence.segment import STOPWORDS, tokenizer

    words = [w.strip() for w in tokenizer().lcut(title or "")]
    weight, median = _idf()
    ranked = sorted(dict.fromkeys(words), key=lambda w: -weight.get(w, median))
    found: list[str] = []
    for word in ranked[:_CANDIDATES]:
        if (len(word) < 2 or _LATIN.fullmatch(word) or word in STOPWORDS or word in _GENERAL
                or (place and word in place) or _PLACE_NAME.search(word)):
            continue
        found.append(word)
        if len(found) == MAX_KEYWORDS:
            break
    return sorted(found, key=words.index)  # in the title's order


def _idf() -> tuple[dict[str, float], float]:
    """jieba's IDF table (word → weight) and its median, the weight of a word the table lacks (loaded once)."""
    from jieba.analyse import default_tfidf

    return default_tfidf.idf_freq, default_tfidf.median_idf
