"""Hot spots (热点问题): cluster messages by topic, place and time, and rank the clusters by a heat index.

Pure Python (numpy, scipy, scikit-learn); no Django. The steps:

1. **Text** — 留言主题 and 留言详情, whitespace-normalised, without web addresses, the opening salutation
   (尊敬的胡厅长：您好, 领导您好 …) and the closing thanks (`topic_text`); a subject that was only a
   greeting is replaced by the start of the body (`subject_of`). The subject counts more than the body.
2. **Place and people** — specific places (XX小区, XX路, XX街道, XX村 …) and the administrative prefix
   (A市, A2区, 西地省 …) by regular expressions; groups of people (业主, 学生, 家长 …) from
   `data/hotspot_groups.txt`.
3. **Topic** — sublinear TF-IDF over character 2–3-grams (`features`, numpy) of the subject and of the body (fitted on the messages
   being clustered), combined as `0.75·subject + 0.25·body` (`title_weight`), each L2-normalised.
4. **Similarity with a place constraint** — cosine similarity of the topic vectors, plus `place_bonus`
   when two messages name the same fine-grained place (an estate, school, village …; not a street,
   road or town), times `place_penalty` when both name specific places and share none; zero when they are further apart in time than `max_span_days`.
5. **Clusters** — average-linkage agglomerative clustering on `1 − similarity`, cut at
   `1 − threshold` (scipy, deterministic); messages are first split into blocks (`Message.block`,
   e.g. a district) and a block larger than `max_block` is cut into consecutive time slices.
6. **Heat** (热度指数), for a cluster with n messages, u distinct people, s supports
   (Σ max(点赞数 − 反对数, 0)), growth g and recency r::

       heat = 10 · [1.0·ln(1+n) + 1.5·ln(1+u) + 0.5·ln(1+s) + 0.5·max(0, ln g)] · (0.5 + 0.5·r)

   g = (messages in the last `growth_window_days` before `as_of` + 1) / (messages in the window before
   that + 1); r = 2^(−age / `half_life_days`), age = days from the cluster's last message to `as_of`.
   Only clusters with at least `min_messages` messages and `min_people` distinct people are hot issues.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.cluster.hierarchy import fcluster, linkage

from hotline.intelligence import features

DATA_DIR = Path(__file__).resolve().parent / "data"
DAY_SECONDS = 86_400.0


@dataclass(frozen=True)
class Message:
    """One message or order to cluster: who wrote it, what, when, and how many supported it."""

    id: str
    title: str
    body: str
    at: datetime
    user: str = ""
    likes: int = 0
    dislikes: int = 0
    block: str = ""  # messages in different blocks are never clustered together (e.g. a district)
    place_hint: str = ""  # a known place (address, community) added to what the text names

    @property
    def supports(self) -> int:
        """点赞数 − 反对数, never below zero."""
        return max(self.likes - self.dislikes, 0)


@dataclass(frozen=True)
class HotspotParams:
    """The knobs of the clustering and of the heat index (defaults tuned on the 2020 Teddy Cup data)."""

    threshold: float = 0.25  # minimum average similarity inside a cluster
    title_weight: float = 0.75
    place_bonus: float = 0.11
    place_penalty: float = 0.6
    max_span_days: float | None = 365.0
    max_block: int = 6000
    max_df: float = 0.05  # n-grams in more than this share of the texts are ignored
    min_messages: int = 2
    min_people: int = 2
    growth_window_days: float = 30.0
    half_life_days: float = 90.0
    weights: tuple[float, float, float, float] = (1.0, 1.5, 0.5, 0.5)  # orders, people, supports, growth

    def __post_init__(self) -> None:
        """Refuse knobs that would divide by zero or make the ranking meaningless (NaN, negative windows)."""
        if not (math.isfinite(self.threshold) and 0 < self.threshold <= 1):
            raise ValueError(f"threshold 应大于 0 且不大于 1，收到 {self.threshold!r}")
        for name in ("half_life_days", "growth_window_days"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} 应为大于 0 的天数，收到 {value!r}")


@dataclass
class HotIssue:
    """A hot issue (热点问题): a cluster of messages with its heat and description."""

    rank: int
    issue_id: int
    heat: float
    first_at: datetime
    last_at: datetime
    place: str
    groups: list[str]
    description: str
    message_ids: list[str]
    orders: int
    people: int
    supports: int
    growth: float
    recency: float
    members: list[Message] = field(default_factory=list, repr=False)

    @property
    def place_people(self) -> str:
        """地点/人群 as the contest's table shows it: the place followed by the people."""
        return self.place + "".join(self.groups[:2])


# --- Place and people ----------------------------------------------------------------------------

_ADMIN = re.compile(r"(?:[A-Z]\d{0,2}(?:市|区|县)|西地省|[东南西北]地省|经开区|高新区)")
_PLACE_SUFFIX = (
    "小区|花园|家园|新城|新村|公寓|广场|大厦|华苑|雅苑|苑|庭|府|湾|园区|工业园|产业园|科技园|公园|幼儿园"
    "|小学|中学|学校|大学|学院|医院|市场|商城|高铁站|地铁站|火车站|汽车站|街道|社区|大道|路|街|巷|村|镇|乡"
)
_PLACE = re.compile(rf"([\u4e00-\u9fa5A-Za-z0-9]{{2,8}}?(?:{_PLACE_SUFFIX})+)")
# Words that end a place's prefix: what comes before them is not part of the name.
_BREAK = re.compile(
    r"(?:[A-Z]\d{0,2}(?:市|区|县)|西地省|反映|关于|投诉|举报|建议|咨询|请求|希望|要求|恳请|请问|我们|我是|本人|"
    r"位于|地处|坐落|附近|旁边|对面|门口|周边|沿线|一带|以及|还有|导致|造成|严重|存在|问题|政府|未经|违建|违规|"
    r"影响|污染|噪音|最近|强烈|呼吁|齐聚|共创|还我|整个|所有|我们|你们|他们|这个|那个|该|此|"
    r"穿越|开建|重视|靠近|设立|距离|距|请|看|个|位|的|在|了|和|与|及|对|把|被|给|向|从|到|是|为|就|都|也|又|让|将|由|属|于|等)"
)
_GENERIC = {"小区", "道路", "马路", "公路", "街道", "社区", "农村", "城乡", "一路", "这条路", "该小区", "我们小区",
            "本小区", "学校", "医院", "市场", "公园", "村", "镇", "乡", "路", "街"}
# "丽发新城小区" and "丽发新城" are one place: a generic 小区/社区 after a named estate is dropped.
_TRAILING_GENERIC = re.compile(r"(?<=[苑园城湾府庭村寓厦])(?:小区|社区)$")
#: Streets, roads, towns: too coarse for two messages naming one to be about the same problem.
_COARSE = ("街道", "社区", "镇", "乡", "路", "大道", "街", "巷")
_NOT_PLACES = ("问题", "情况", "政府", "出路", "道路", "思路", "线路", "门路", "套路", "网路", "电路", "家庭")


def normalize(text: str | None) -> str:
    """Whitespace-normalised text with full-width letters and digits folded to ASCII."""
    folded = (text or "").translate(_FOLD)
    return " ".join(folded.split())


_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9./?=&_%#:;~+@!$,-]*")
_TITLES = ("领导|书记|厅长|局长|市长|县长|区长|省长|镇长|乡长|主任|部长|处长|科长|主席|委员|同志|先生|女士"
           "|工作人员|负责人|政府")
_PUNCT = r"[\s：:，,、。.！!～~;；]"
_GREETING = "(?:您|你)们?好|大家好"
_ADDRESSEE = rf"[\u4e00-\u9fa5A-Za-z0-9]{{0,8}}?(?:{_TITLES})(?:们|大人)?"
_ADDRESSEES = rf"{_ADDRESSEE}(?:(?:和|及|与|、|丶|,|，){_ADDRESSEE})*"
#: Salutations a message opens with: 尊敬的…, …您好/你们好, 领导好, 领导：… (after `normalize`).
_OPENING = re.compile(
    rf"^{_PUNCT}*(?:尊敬的?(?:{_ADDRESSEES}|[^\s：:，,。！!;；]{{0,10}})(?:{_PUNCT}*(?:{_GREETING}|好))?"
    rf"|(?:{_ADDRESSEES})?{_PUNCT}*(?:{_GREETING})"
    rf"|{_ADDRESSEES}{_PUNCT}*好(?={_PUNCT}|$)"
    rf"|[\u4e00-\u9fa5]{{0,4}}?(?:{_TITLES})(?:们|大人)?[：:])")
#: Courtesies a message closes with: 谢谢, 感谢…, 此致敬礼 …
_CLOSING = re.compile(
    rf"(?:{_PUNCT}*(?:(?:非常|十分|万分)?(?:谢谢|感谢|多谢)(?:您|你|你们|各位|领导|政府)?的?"
    rf"(?:回复|答复|关注|支持|帮助|解答|处理|关心)?|此致|敬礼))+{_PUNCT}*$")


def topic_text(text: str | None) -> str:
    """`normalize`d text without what says nothing about the problem: web addresses, the opening
    salutation (尊敬的胡厅长：您好, 领导您好 …) and the closing thanks (谢谢, 此致敬礼 …)."""
    text = _URL.sub(" ", normalize(text))
    while (opening := _OPENING.match(text)) and opening.end() > 0:
        text = text[opening.end():]
    text = _CLOSING.sub("", text)
    return " ".join(text.strip(" ：:，,、。.！!～~;；").split())


def subject_of(message: Message) -> str:
    """The subject to compare and show: the 留言主题 without courtesies, else the start of the body."""
    return topic_text(message.title) or topic_text(message.body)[:40]


def admin_prefix(text: str) -> str:
    """The city (or else province) and the district the text names first, e.g. "A市A2区"."""
    names = [match.group(0) for match in _ADMIN.finditer(text)]
    city = next((n for n in names if n.endswith("市")), next((n for n in names if n.endswith("省")), ""))
    district = next((n for n in names if n.endswith(("区", "县"))), "")
    return city + district


def extract_places(text: str) -> list[str]:
    """Specific places the text names (XX小区, XX路, XX街道 …), in order of first mention, without repeats."""
    places: list[str] = []
    for chunk in _BREAK.split(re.sub(r"[^\u4e00-\u9fa5A-Za-z0-9]+", " ", normalize(text))):
        for part in chunk.split():
            for match in _PLACE.finditer(part):
                name = _TRAILING_GENERIC.sub("", match.group(1))
                if name not in _GENERIC and not name.endswith(_NOT_PLACES) and name not in places:
                    places.append(name)
    return places


@lru_cache(maxsize=1)
def people_groups() -> tuple[str, ...]:
    """The curated list of people and groups, longest first."""
    lines = (DATA_DIR / "hotspot_groups.txt").read_text(encoding="utf-8").splitlines()
    words = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


def extract_groups(text: str) -> list[str]:
    """The groups of people the text mentions (业主, 学生 …), longest names first, without overlaps."""
    found: list[str] = []
    for word in people_groups():
        if word in text and not any(word in longer for longer in found):
            found.append(word)
    return found


# --- Topic vectors and similarity ------------------------------------------------------------------


def tfidf_vectors(texts: Sequence[str], max_df: float = 0.5) -> sp.csr_matrix:
    """L2-normalised sublinear TF-IDF of character 2–3-grams (numpy n-gram codes from `features`).

    On 50 texts or more, n-grams found in one text only (they cannot link two texts, only dilute the
    shared ones) and those in more than `max_df` of the texts are left out.
    """
    n = len(texts)
    _vocabulary, counts = features.fit_counts(list(texts), (2, 3))
    if counts.shape[1] == 0:
        return sp.csr_matrix((n, 1), dtype=np.float32)
    df = features.document_frequency(counts)
    keep = (df >= 2) & (df <= max_df * n) if n >= 50 else np.ones(len(df), dtype=bool)
    counts = counts[:, np.flatnonzero(keep)].tocsr()
    counts.data = (1.0 + np.log(counts.data)).astype(np.float32)
    return features.tfidf(counts, features.smooth_idf(df[keep], n))


def similarity(messages: Sequence[Message], params: HotspotParams) -> np.ndarray:
    """The pairwise similarity (float32, n × n, diagonal 1) of topic, place and time."""
    titles = [subject_of(m) for m in messages]
    bodies = [topic_text(m.body)[:600] for m in messages]
    title_vectors, body_vectors = tfidf_vectors(titles, params.max_df), tfidf_vectors(bodies, params.max_df)
    sim = (title_vectors @ title_vectors.T).toarray()
    sim *= np.float32(params.title_weight)
    sim += np.float32(1 - params.title_weight) * (body_vectors @ body_vectors.T).toarray()
    place_sets = [set(extract_places(f"{m.title} {m.body[:600]} {m.place_hint}")) for m in messages]
    vocabulary = sorted(set().union(*place_sets)) if place_sets else []
    if vocabulary:
        index = {name: i for i, name in enumerate(vocabulary)}
        rows = [i for i, names in enumerate(place_sets) for _ in names]
        cols = [index[name] for names in place_sets for name in names]
        places = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                               shape=(len(messages), len(vocabulary)))
        fine = np.array([not name.endswith(_COARSE) for name in vocabulary])
        fine_places = places[:, np.flatnonzero(fine)]
        shared = (fine_places @ fine_places.T).toarray() > 0  # the bonus: a shared estate, school, village …
        del fine_places
        has = np.array([bool(names) for names in place_sets])
        disjoint = np.logical_and(has[:, None], has[None, :])
        disjoint &= ~((places @ places.T).toarray() > 0)  # the penalty: no place at all in common
        sim[shared] += np.float32(params.place_bonus)
        del shared
        sim[disjoint] *= np.float32(params.place_penalty)
        del disjoint
    if params.max_span_days is not None:
        days = np.array([m.at.timestamp() / DAY_SECONDS for m in messages])
        sim[np.abs(days[:, None] - days[None, :]) > params.max_span_days] = 0.0
    np.clip(sim, 0.0, 1.0, out=sim)
    np.fill_diagonal(sim, 1.0)
    return sim


def cluster(messages: Sequence[Message], params: HotspotParams | None = None) -> list[list[int]]:
    """Groups of message indexes that talk about the same problem (every message is in exactly one group).

    Groups are ordered by their first index; indexes inside a group ascend. Deterministic.
    """
    params = params or HotspotParams()
    blocks: dict[str, list[int]] = {}
    for i, message in enumerate(messages):
        blocks.setdefault(message.block, []).append(i)
    groups: list[list[int]] = []
    for key in sorted(blocks):
        indexes = sorted(blocks[key], key=lambda i: (messages[i].at, i))
        for start in range(0, len(indexes), params.max_block):
            groups.extend(_cluster_block([messages[i] for i in indexes[start:start + params.max_block]],
                                         indexes[start:start + params.max_block], params))
    return sorted((sorted(g) for g in groups), key=lambda g: g[0])


def _cluster_block(block: list[Message], indexes: list[int], params: HotspotParams) -> list[list[int]]:
    """Average-linkage clusters of one block, as lists of the original indexes."""
    if len(block) == 1:
        return [list(indexes)]
    sim = similarity(block, params)
    condensed = 1.0 - sim[np.triu_indices(len(block), k=1)].astype(np.float64)
    del sim
    labels = fcluster(linkage(condensed, method="average"), t=1.0 - params.threshold, criterion="distance")
    found: dict[int, list[int]] = {}
    for position, label in enumerate(labels):
        found.setdefault(int(label), []).append(indexes[position])
    return list(found.values())


# --- Heat ------------------------------------------------------------------------------------------


def heat_index(*, orders: int, people: int, supports: int, growth: float, recency: float,
               weights: tuple[float, float, float, float] = HotspotParams.weights) -> float:
    """热度指数 (see the module docstring for the formula)."""
    w_orders, w_people, w_supports, w_growth = weights
    base = (w_orders * math.log1p(orders) + w_people * math.log1p(people) + w_supports * math.log1p(supports)
            + w_growth * max(0.0, math.log(max(growth, 1e-9))))
    return round(10.0 * base * (0.5 + 0.5 * recency), 2)


def growth_ratio(times: Sequence[datetime], as_of: datetime, window_days: float) -> float:
    """(messages in the last window + 1) / (messages in the window before + 1)."""
    recent = previous = 0
    for moment in times:
        age = (as_of - moment).total_seconds() / DAY_SECONDS
        if 0 <= age < window_days:
            recent += 1
        elif window_days <= age < 2 * window_days:
            previous += 1
    return (recent + 1) / (previous + 1)


def describe(members: Sequence[Message]) -> tuple[str, str, list[str]]:
    """(description, place, groups) of a cluster: the commonest place and people, and the subject of the
    most central message (by subject and start of body) among the three most central, preferring one
    that names the place."""
    texts = [normalize(f"{m.title} {m.body} {m.place_hint}") for m in members]
    prefix = Counter(p for t in texts if (p := admin_prefix(t))).most_common(1)
    places = Counter(p for t in texts for p in extract_places(t))
    top_place = [name for name, count in places.most_common(3) if count >= max(2, len(members) * 0.3)]
    place = (prefix[0][0] if prefix else "") + (top_place[0] if top_place else "")
    groups = Counter(g for t in texts for g in extract_groups(t))
    titles = [subject_of(m) or normalize(m.title) for m in members]
    description = titles[0]
    if len(members) > 1:
        vectors = tfidf_vectors([f"{title} {topic_text(m.body)[:200]}" for title, m in zip(titles, members, strict=True)])
        centrality = np.asarray((vectors @ vectors.T).sum(axis=1)).ravel()
        central = [titles[i] for i in np.argsort(-centrality, kind="stable")[:3]]
        description = next((t for t in central if top_place and top_place[0] in t), central[0])
    return description[:120], place, [name for name, _ in groups.most_common(2)]


def issue_of(members: Sequence[Message], *, as_of: datetime, params: HotspotParams,
             growth: float | None = None) -> HotIssue | None:
    """The hot issue a cluster makes (rank 0 until ranked), or None if it is too small to be one.

    `growth` replaces the growth measured on the members themselves (a caller that clustered a
    previous window too passes (this window + 1) / (previous window + 1)).
    """
    ordered = sorted(members, key=lambda m: (m.at, m.id))
    people = len({m.user or f"#{m.id}" for m in ordered})
    if len(ordered) < params.min_messages or people < params.min_people:
        return None
    if growth is None:
        growth = growth_ratio([m.at for m in ordered], as_of, params.growth_window_days)
    age = max((as_of - ordered[-1].at).total_seconds() / DAY_SECONDS, 0.0)
    recency = 0.5 ** (age / params.half_life_days)
    supports = sum(m.supports for m in ordered)
    description, place, groups = describe(ordered)
    return HotIssue(
        rank=0, issue_id=0, heat=heat_index(orders=len(ordered), people=people, supports=supports,
                                            growth=growth, recency=recency, weights=params.weights),
        first_at=ordered[0].at, last_at=ordered[-1].at, place=place, groups=groups, description=description,
        message_ids=[m.id for m in ordered], orders=len(ordered), people=people, supports=supports,
        growth=round(growth, 3), recency=round(recency, 3), members=ordered,
    )


def rank(issues: list[HotIssue]) -> list[HotIssue]:
    """Sort hottest first (ties: more messages, earlier first message, smaller id) and number them 1, 2, …"""
    issues.sort(key=lambda h: (-h.heat, -h.orders, h.first_at, h.message_ids[0]))
    for number, issue in enumerate(issues, start=1):
        issue.rank = issue.issue_id = number
    return issues


def find_hotspots(messages: Sequence[Message], *, as_of: datetime | None = None,
                  params: HotspotParams | None = None, top: int | None = None) -> list[HotIssue]:
    """The hot issues among the messages, hottest first.

    `as_of` is the moment growth and recency are measured at (default: the latest message).
    """
    params = params or HotspotParams()
    if not messages:
        return []
    as_of = as_of or max(m.at for m in messages)
    issues = [issue for group in cluster(messages, params)
              if (issue := issue_of([messages[i] for i in group], as_of=as_of, params=params)) is not None]
    ranked = rank(issues)
    return ranked[:top] if top is not None else ranked
