"""Reply quality checks (答复质检): what a reviewer should know about a unit's reply before approving it.

Pure Python, no Django. `check_reply(request, reply, requested_at=…, replied_at=…)` returns findings,
each with a code, a severity, a Chinese message and the evidence, plus a score and a grade:

- **答非所问 (relevance)** — the share of the request's topic terms found in the reply: its specific
  places (XX小区, XX路 …) and the character bigrams of its subject (or of its first sentence when there
  is no subject), common words left out. Below `RELEVANCE_LOW` the reply is flagged as off-topic; below
  `RELEVANCE_WEAK` it is a weaker warning.
- **完整性 (completeness)** — four elements, each recognised by curated patterns: what was done
  (处理过程), the basis (依据: 法规/政策/规定 …), the result (处理结果), a contact (联系方式: a phone
  number, 联系人, 咨询电话).
- **时效 (timeliness)** — working days from request to reply, counted by the function passed in
  (`hotline.core.workcalendar` on the Django side), else Monday–Friday; over `limit_working_days` is
  late, over twice that very late.
- **官方辞令 (boilerplate and evasive phrases)** — from `data/reply_phrases.txt`.
- **敏感词 (sensitive words)** — from `data/reply_sensitive.txt`; evidence shows them masked.
- **复述诉求 (copied)** — the request's text written back: every run of at least `COPY_RUN_CHARS` content
  characters also found in the request is taken out of the reply before the elements and the length are
  judged (the basis is also found in a copied stretch the unit's own words go on to cite: 按照《…办法》第十二条).
  When at least half of the reply is copied and fewer than `SHORT_REPLY_CHARS` of the unit's own
  content characters remain, or more than `COPIED_SHARE` is copied, the reply only restates the request
  (答复仅复述诉求). Relevance is still judged on the whole reply: quoting the request is no fault in itself.
- **隐私 (privacy)** — an ID-card number (found as the privacy masking finds it: `hotline.core.numbers`,
  also in 6-8-4 groups and full-width digits), or the citizen's own phone number, in the reply.

Lengths count content characters only (letters, digits, CJK; not punctuation, symbols, spaces or invisible
format characters): 已收悉 followed by a row of 。 is still a bare acknowledgement. A reply made only of
invisible characters (zero-width space, BOM, word joiner …) is empty.

Score: 100 minus 30 per high, 12 per medium, 5 per low finding (never below 0);
grade 优 ≥ 85, 良 ≥ 70, 中 ≥ 55, else 差.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from hotline.core.numbers import has_id_card
from hotline.intelligence.hotspots import extract_places, normalize, tfidf_vectors

DATA_DIR = Path(__file__).resolve().parent / "data"
RELEVANCE_LOW = 0.05
RELEVANCE_WEAK = 0.12
SHORT_REPLY_CHARS = 40
#: A run of this many content characters found in the request too is the request copied (not a shared word).
COPY_RUN_CHARS = 10
#: Above this share of copied content characters the reply only restates the request.
COPIED_SHARE = 0.8
PENALTY = {"high": 30, "medium": 12, "low": 5, "info": 0}
GRADES = ((85, "优"), (70, "良"), (55, "中"), (0, "差"))

ELEMENTS: dict[str, tuple[str, re.Pattern[str]]] = {
    "process": ("处理过程", re.compile(
        r"经(?:调查|核实|核查|查|了解|现场|实地|研究|协调)|经[\u4e00-\u9fa5]{1,8}(?:调查|核实|核查)|据查|据了解|"
        r"调查核实|现场(?:查看|核实|勘查|检查|督导)|实地|走访|约谈|专题会议|多次|对此|针对|"
        r"召开|组织(?:人员|力量|相关)|已安排|安排(?:人员|工作人员)|联系了|电话联系|与您(?:取得)?联系|督促|责令|执法人员")),
    "basis": ("依据", re.compile(
        r"根据|依据|按照|依照|规定|条例|法》|法第|办法|实施细则|政策|文件|〔\d{4}〕|\[\d{4}\]|号文|标准|规范")),
    "result": ("处理结果", re.compile(
        r"已(?:经)?(?:完成|解决|处理|整改|修复|维修|拆除|清理|清运|安装|更换|恢复|落实|查处|立案|下达|下发|责令|"
        r"办结|开通|发放|退还|补发|纳入|启动|开工|停止|关停|取缔|制止|罚款|处罚)|现已|目前已|处理结果|整改到位|"
        r"予以(?:处罚|查处|办理|解决|受理)|将于|预计|计划于|争取|正在|目前|得到(?:了)?(?:解决|改善|缓解)|"
        r"有所(?:改善|缓解)|因此|故(?:该|此|应|不|您)|不宜|不予|(?:可以|可|不可)申(?:请|领)|应由|"
        # for an enquiry the answer itself is the result: what to bring, where to go, what applies
        r"请您(?:携带|到|向|前往|按照|提供)|您可(?:以)?(?:携带|到|向|通过|申请|持)|需(?:携带|提供|到|在|向)|可(?:到|向|通过|持)")),
    "contact": ("联系方式", re.compile(
        r"联系人|联系电话|咨询电话|服务电话|联系方式|致电|拨打|来电|0\d{2,3}[-—－ ]?\d[\d-]{5,}|1[3-9]\d{9}|\d{3,4}-\d{7,8}")),
}
_STOP_BIGRAMS = set(
    "关于 反映 投诉 举报 咨询 建议 请求 希望 要求 问题 情况 事宜 是否 为什么 什么 怎么 如何 能否 可以 "
    "我们 你们 他们 我的 本人 领导 您好 谢谢 政府 部门 相关 有关 严重 一下 一个 这个 没有 不能 不是 还是 小区 社区 街道 附近 门口".split()
)
_ADMIN = re.compile(r"[A-Z]\d{0,2}(?:市|区|县)|西地省")


@dataclass(frozen=True)
class Finding:
    """One thing the reviewer should look at: code, severity, message and the evidence behind it."""

    code: str
    severity: str  # high | medium | low | info
    message: str
    evidence: str = ""


@dataclass
class ReplyFindings:
    """Everything the check found about one reply."""

    findings: list[Finding] = field(default_factory=list)
    relevance: float = 0.0
    elements: dict[str, bool] = field(default_factory=dict)
    working_days: float | None = None
    score: int = 100
    grade: str = "优"

    @property
    def codes(self) -> list[str]:
        """The finding codes, in order."""
        return [finding.code for finding in self.findings]

    @property
    def relevant(self) -> bool:
        """The reply talks about what was asked (no 答非所问 finding, not empty)."""
        return not {"off_topic", "empty"} & set(self.codes)

    @property
    def complete(self) -> bool:
        """The reply is substantive: it says what was done, what came of it or on what basis (not a bare
        acknowledgement, not the request copied back). Each missing element is still its own finding."""
        substance = any(self.elements.get(name, False) for name in ("process", "result", "basis"))
        return substance and not ({"empty", "too_short", "copied"} & set(self.codes))

    @property
    def flagged(self) -> bool:
        """At least one medium or high finding."""
        return any(finding.severity in ("high", "medium") for finding in self.findings)


@lru_cache(maxsize=1)
def phrases() -> dict[str, tuple[str, ...]]:
    """The curated boilerplate and evasive phrases, by kind."""
    found: dict[str, list[str]] = {"boilerplate": [], "evasive": []}
    for line in (DATA_DIR / "reply_phrases.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, phrase = line.split("\t", 1)
            found.setdefault(kind.strip(), []).append(phrase.strip())
    return {kind: tuple(words) for kind, words in found.items()}


@lru_cache(maxsize=1)
def sensitive_words() -> tuple[str, ...]:
    """The curated sensitive words."""
    lines = (DATA_DIR / "reply_sensitive.txt").read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def mask(word: str) -> str:
    """A word shown without its content: the first character and one * per other character."""
    return word[:1] + "*" * (len(word) - 1)


def topic_terms(request_text: str, title: str = "") -> list[str]:
    """The request's topic terms: its specific places, then the content bigrams of its subject, in order."""
    text = normalize(request_text)
    topic = normalize(title) or re.split(r"[。！？!?\n]", text, maxsplit=1)[0][:80]
    topic = _ADMIN.sub(" ", topic)
    chunks = re.findall(r"[\u4e00-\u9fa5A-Za-z0-9]+", topic)
    bigrams = [chunk[i:i + 2] for chunk in chunks for i in range(len(chunk) - 1)]
    places = extract_places(f"{title} {text[:300]}")
    terms = places + [b for b in bigrams if b not in _STOP_BIGRAMS and not any(b in place for place in places)]
    return list(dict.fromkeys(terms))


def relevance(request_text: str, reply_text: str, title: str = "") -> tuple[float, list[str]]:
    """The share of the request's topic terms found in the reply, and the terms missing (in order)."""
    terms = topic_terms(request_text, title)
    if not terms:
        return 1.0, []
    reply = normalize(reply_text)
    missing = [term for term in terms if term not in reply]
    return 1 - len(missing) / len(terms), missing


def weekdays_between(start: datetime, end: datetime) -> float:
    """Working days from start to end counting Monday–Friday only (the fallback calendar)."""
    if end <= start:
        return 0.0
    days, moment = 0.0, start
    while moment < end:
        step = min(end, (moment + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0))
        if moment.weekday() < 5:
            days += (step - moment).total_seconds() / 86_400
        moment = step
    return round(days, 2)


def _without_invisible(text: str) -> str:
    """The text without Unicode format and control characters (Cf, Cc: zero-width space, BOM, word joiner …);
    whitespace is kept. As `hotline.core.entered.visible` judges, without importing Django."""
    return "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) not in {"Cf", "Cc"})


def _is_content(ch: str) -> bool:
    """A letter or a digit (CJK included): what a reply's length counts; not punctuation, symbols or spaces."""
    return unicodedata.category(ch)[0] in "LN"


def content_chars(text: str) -> int:
    """How many content characters (letters, digits, CJK) the text has."""
    return sum(1 for ch in text if _is_content(ch))


def _own_words(request: str, reply: str) -> tuple[str, int, list[tuple[int, int]]]:
    """The reply without the request's text copied into it, how many content characters were copied, and where
    the copied stretches lay in the reply ((start, end) each).

    Both texts are compared on their content characters, case folded: a reply position is copied when it
    lies in a run of `COPY_RUN_CHARS` that the request holds too; each copied stretch is taken out whole,
    punctuation between its characters included.
    """
    positions = [i for i, ch in enumerate(reply) if _is_content(ch)]
    letters = "".join(reply[i] for i in positions).casefold()
    source = "".join(ch for ch in request if _is_content(ch)).casefold()
    k = COPY_RUN_CHARS
    if len(source) < k or len(letters) < k:
        return reply, 0, []
    runs = {source[i:i + k] for i in range(len(source) - k + 1)}
    copied = [False] * len(letters)
    for i in range(len(letters) - k + 1):
        if letters[i:i + k] in runs:
            copied[i:i + k] = [True] * k
    kept, stretches, start, j = [], [], 0, 0
    while j < len(copied):
        if not copied[j]:
            j += 1
            continue
        end = j
        while end + 1 < len(copied) and copied[end + 1]:
            end += 1
        kept.append(reply[start:positions[j]])
        stretches.append((positions[j], positions[end] + 1))
        start, j = positions[end] + 1, end + 1
    kept.append(reply[start:])
    return "".join(kept), sum(copied), stretches


#: The unit's own words right after a copied stretch that cite a provision of the document it names (按照《…办法》
#: 第十二条, …的有关规定, 〔2023〕5号): the unit cites the same document as the citizen, the basis is its own.
_CITES_AFTER = re.compile(r"[》」”\"'）)\s]*(?:第[一二三四五六七八九十百千零〇两\d]+[条款项章节]|的?(?:有关|相关)?规定|"
                          r"〔\d{4}〕|\[\d{4}\]|\d+号)")


def _has_basis(reply: str, own: str, stretches: list[tuple[int, int]]) -> bool:
    """The basis element (依据) in the unit's own words, or in a copied stretch the unit goes on to cite from."""
    pattern = ELEMENTS["basis"][1]
    if pattern.search(own):
        return True
    return any((cited := _CITES_AFTER.match(reply, end)) and pattern.search(reply[start:cited.end()])
               for start, end in stretches)


def _phrase_findings(reply: str) -> list[Finding]:
    out: list[Finding] = []
    table = phrases()
    boiler = [p for p in table.get("boilerplate", ()) if p in reply]
    evasive = [p for p in table.get("evasive", ()) if p in reply]
    if len(boiler) >= 2:
        out.append(Finding("boilerplate", "low", "套话较多（官方辞令）", "、".join(boiler)))
    if evasive:
        severity = "medium" if len(evasive) >= 2 else "low"
        out.append(Finding("evasive", severity, "含推诿或模糊承诺的表述（未给出具体时间或责任单位）", "、".join(evasive)))
    return out


def _element_findings(elements: dict[str, bool]) -> list[Finding]:
    severity = {"process": "medium", "basis": "low", "result": "high", "contact": "low"}
    messages = {"process": "未说明处理过程（如何调查、核实、处理）", "basis": "未说明处理依据（法规、政策或规定）",
                "result": "未说明处理结果", "contact": "未留联系方式（联系人或电话）"}
    return [Finding(f"missing_{name}", severity[name], messages[name], f"未找到“{ELEMENTS[name][0]}”的表述")
            for name, present in elements.items() if not present]


def check_reply(request_text: str, reply_text: str, *, requested_at: datetime | None = None,
                replied_at: datetime | None = None,
                working_days_between: Callable[[datetime, datetime], float] | None = None,
                limit_working_days: float = 5.0, title: str = "", citizen_phone: str = "") -> ReplyFindings:
    """Check a unit's reply (答复) to a request; never decides by itself, the reviewer does."""
    reply = normalize(_without_invisible(reply_text))
    result = ReplyFindings()
    if not reply:
        result.findings.append(Finding("empty", "high", "答复内容为空", ""))
        return _scored(result)
    own, copied, stretches = _own_words(normalize(request_text), reply)  # the unit's own: elements and length
    length = content_chars(own)
    if copied >= max(length, 1) and (length < SHORT_REPLY_CHARS or copied > COPIED_SHARE * (copied + length)):
        result.findings.append(Finding("copied", "high", "答复仅复述诉求",
                                       f"复述诉求 {copied} 字，自述 {length} 字"))
    if length < SHORT_REPLY_CHARS:
        result.findings.append(Finding("too_short", "high", "答复过于简短，仅为签收或致谢", f"{length} 字"))
    share, missing = relevance(request_text, reply, title)
    result.relevance = round(share, 3)
    if share < RELEVANCE_LOW:
        result.findings.append(Finding("off_topic", "high", "答非所问：答复未涉及诉求的主要内容",
                                       f"诉求要点覆盖 {share:.0%}，未提及：{'、'.join(missing[:8])}"))
    elif share < RELEVANCE_WEAK:
        result.findings.append(Finding("weak_topic", "low", "答复与诉求关联较弱，请核对是否答非所问",
                                       f"诉求要点覆盖 {share:.0%}，未提及：{'、'.join(missing[:8])}"))
    result.elements = {name: bool(pattern.search(own)) for name, (_, pattern) in ELEMENTS.items()}
    result.elements["basis"] = _has_basis(reply, own, stretches)
    result.findings.extend(_element_findings(result.elements))
    if requested_at is not None and replied_at is not None:
        result.findings.extend(_timeliness(result, requested_at, replied_at,
                                           working_days_between or weekdays_between, limit_working_days))
    result.findings.extend(_phrase_findings(reply))
    words = [word for word in sensitive_words() if word in reply]
    if words:
        result.findings.append(Finding("sensitive", "high", "含不当或敏感用语", "、".join(mask(w) for w in words)))
    phone = re.sub(r"\D", "", citizen_phone)
    id_card = has_id_card(reply_text)  # as the privacy masking finds one (6-8-4 groups, full-width digits)
    if id_card or (len(phone) >= 7 and phone in re.sub(r"\D", "", reply)):
        result.findings.append(Finding("privacy", "high", "答复中出现身份证号或诉求人的电话号码，公开前须脱敏",
                                       "身份证号" if id_card else "诉求人电话"))
    return _scored(result)


def _timeliness(result: ReplyFindings, requested_at: datetime, replied_at: datetime,
                count: Callable[[datetime, datetime], float], limit: float) -> list[Finding]:
    if replied_at < requested_at:
        return [Finding("bad_dates", "info", "答复时间早于诉求时间，无法判断时效",
                        f"{requested_at:%Y-%m-%d} / {replied_at:%Y-%m-%d}")]
    days = round(float(count(requested_at, replied_at)), 2)
    result.working_days = days
    if days > 2 * limit:
        return [Finding("very_late", "high", "答复严重超时", f"用时 {days:g} 个工作日，时限 {limit:g} 个工作日")]
    if days > limit:
        return [Finding("late", "medium", "答复超时", f"用时 {days:g} 个工作日，时限 {limit:g} 个工作日")]
    return []


def _scored(result: ReplyFindings) -> ReplyFindings:
    result.score = max(0, 100 - sum(PENALTY[f.severity] for f in result.findings))
    result.grade = next(label for floor, label in GRADES if result.score >= floor)
    return result


def most_similar(query: str, candidates: Sequence[str], *, top: int = 3,
                 min_similarity: float = 0.2) -> list[tuple[int, float]]:
    """(index, cosine similarity) of the candidate requests closest to the query (character 2–3-gram TF-IDF)."""
    if not candidates:
        return []
    vectors = tfidf_vectors([normalize(query), *(normalize(text) for text in candidates)], max_df=0.5)
    scores = (vectors[1:] @ vectors[0].T).toarray().ravel()
    order = sorted(range(len(candidates)), key=lambda i: (-scores[i], i))
    return [(i, round(float(scores[i]), 3)) for i in order[:top] if scores[i] >= min_similarity]
