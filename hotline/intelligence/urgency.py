"""Urgency and early warning (紧急程度研判): editable rule lists plus the category prior give 紧急/较急/一般.

Plain Python, no Django. A rule is a keyword list or a regular expression with an optional exception
pattern ("煤气" but not "煤气费"), a level, a kind (life, gas, fire, flood, self-harm, mass incident,
minors, property) and the emergency service to suggest (110/119/120). There is no trained urgency
model: the classifier has no urgency head, so the "model" part is the category prior — household
utility matters (水电气热) are at least 较急, as their shorter time limits already say.

A match right after a negation in the same clause does not count (「没有着火」「不是火灾」), see `negated`;
matching ignores case, so English keywords ("gas leak") match "Gas Leak".
"""

from __future__ import annotations

import csv
import re
import re._parser as _sre  # the standard library's own parser: the structure of a pattern, not a new dependency
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hotline.intelligence.reasons import Reason

URGENT, PRESSING, NORMAL = "urgent", "pressing", "normal"
LEVELS = (URGENT, PRESSING, NORMAL)
_RANK = {URGENT: 2, PRESSING: 1, NORMAL: 0}
LEVEL_LABELS = {URGENT: "紧急", PRESSING: "较急", NORMAL: "一般"}
KINDS = {
    "life": "危及生命", "gas": "燃气泄漏", "fire": "火情", "flood": "汛情/内涝", "self_harm": "自伤自杀",
    "mass": "群体性事件", "minors": "未成年人", "property": "重大财产损失", "utility": "水电气热",
    "other": "其他",
}
#: Kinds that put a life at risk: the agent is prompted to transfer at once.
LIFE_KINDS = frozenset({"life", "gas", "fire", "flood", "self_harm", "minors"})
TRANSFER_TARGETS = ("110", "119", "120", "")
DATA_FILE = Path(__file__).resolve().parent / "data" / "urgency_rules.csv"
COLUMNS = ("name", "kind", "level", "pattern", "unless", "transfer_to", "is_regex")
#: A negation word ending just before a match, in the same clause: 没有/不是/并非 with at most two letters
#: in between (「没有发生火灾」), 没/未/无 directly or with one (「没着火」「未起火」). 没人/无人/无法/未成年 are
#: not negations of what follows (「没有人管，楼道着火了」 still counts; a comma ends the clause anyway).
_NEGATION = re.compile(r"(?:(?:没有(?!人)|不是|并非)[^\W\d_]{0,2}|(?:没(?![有人])|未(?!成年)|无(?![人法]))[^\W\d_]?)$")


class RuleFileError(ValueError):
    """The rule file cannot be read at all (missing file, wrong header)."""


@dataclass(frozen=True)
class Rule:
    """One editable urgency rule."""

    name: str
    kind: str
    level: str
    pattern: str  # keywords separated by | (or a regular expression when is_regex)
    unless: str = ""  # keywords (or a regex) that cancel a match, e.g. 煤气费|缴费
    transfer_to: str = ""
    is_regex: bool = False

    def compiled(self) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
        """The rule's pattern and exception as regular expressions (keywords are escaped)."""
        return _compile(self.pattern, self.is_regex), (_compile(self.unless, self.is_regex) if self.unless else None)


def _compile(pattern: str, is_regex: bool) -> re.Pattern[str]:
    if is_regex:
        return re.compile(pattern, re.IGNORECASE)
    words = [re.escape(w.strip()) for w in pattern.split("|") if w.strip()]
    return re.compile("|".join(words), re.IGNORECASE)


def negated(text: str, start: int) -> bool:
    """The match starting at `start` is denied by a negation just before it (「没有着火」「我没有想自杀」)."""
    return bool(_NEGATION.search(text, max(0, start - 5), start))


def check_rule(rule: Rule) -> list[str]:
    """What is wrong with a rule (empty when it is usable)."""
    problems = []
    if not rule.name.strip():
        problems.append("名称不能为空")
    if rule.kind not in KINDS:
        problems.append(f"未知类别「{rule.kind}」")
    if rule.level not in (URGENT, PRESSING):
        problems.append(f"等级须为 urgent 或 pressing，而不是「{rule.level}」")
    if rule.transfer_to not in TRANSFER_TARGETS:
        problems.append(f"转接目标须为 110/119/120 或空，而不是「{rule.transfer_to}」")
    if not rule.pattern.strip() or not [w for w in rule.pattern.split("|") if w.strip()]:
        problems.append("关键词/正则不能为空")
    else:
        try:
            pattern, _unless = rule.compiled()
        except re.error as exc:
            problems.append(f"正则表达式错误：{exc}")
        else:
            if pattern.search(""):  # e.g. a trailing "|": it would match every text
                problems.append("关键词/正则不能匹配空文本（检查是否有多余的 |）")
            if rule.is_regex and backtracks(rule.pattern):
                problems.append(SLOW_REGEX)
            if rule.is_regex and rule.unless and backtracks(rule.unless):
                problems.append(f"排除词：{SLOW_REGEX}")
    return problems


#: Why a regular expression is refused by `backtracks`.
SLOW_REGEX = "正则表达式可能导致回溯过慢，请简化"
_REPEATS = frozenset({_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT})


def backtracks(pattern: str) -> bool:
    r"""Whether a regular expression risks catastrophic backtracking (a conservative, syntactic check).

    Refused: a repeat that may run more than once around a part that can match a varying length,
    e.g. `(\w+)+着火` or `(.{1,9})*` (exponential on a text that almost matches), and two unbounded
    repeats in a row, e.g. `.*.*着火` or `\w+\d*x` (polynomial). Bounded gaps such as `.{0,6}` between
    words, as in the shipped rules, are fine. A pattern that does not compile is not judged here.
    """
    try:
        parsed = _sre.parse(pattern, re.IGNORECASE)
    except (re.error, RecursionError):
        return False
    return _risky(list(parsed))


def _risky(items: list) -> bool:
    """A nested or adjacent risky repeat in this sequence of parsed items, or in any part of it."""
    unbounded_before = False  # an unbounded repeat precedes, with only parts that may match nothing since
    for op, av in _flattened(items):
        if op in _REPEATS:
            low, high, body = av
            if high > 1 and op != _sre.POSSESSIVE_REPEAT and _varies(list(body)):
                return True
            if high == _sre.MAXREPEAT:
                if unbounded_before:
                    return True
                unbounded_before = True
            elif low > 0:
                unbounded_before = False
            if _risky(list(body)):
                return True
        elif op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):  # zero-width: the repeats around still meet
            if op != _sre.AT and _risky(list(av[1])):
                return True
        else:
            unbounded_before = False
            if any(_risky(part) for part in _parts(op, av)):
                return True
    return False


def _flattened(items: list) -> list:
    """The items with plain groups opened up (`(a+)(a+)` is `a+a+` for adjacency)."""
    flat: list = []
    for op, av in items:
        if op == _sre.SUBPATTERN:
            flat.extend(_flattened(list(av[-1])))
        else:
            flat.append((op, av))
    return flat


def _parts(op: object, av: object) -> list[list]:
    """The parsed sub-sequences inside one item (alternatives, atomic groups, conditionals)."""
    if op == _sre.BRANCH:
        return [list(branch) for branch in av[1]]  # type: ignore[index]
    if op == _sre.ATOMIC_GROUP:
        return [list(av)]  # type: ignore[call-overload]
    if op == _sre.GROUPREF_EXISTS:
        return [list(part) for part in av[1:] if part is not None]  # type: ignore[index]
    return []


def _varies(items: list) -> bool:
    """Whether this part holds a repeat that can match a varying number of times (`+`, `*`, `{1,9}`)."""
    for op, av in _flattened(items):
        if op in _REPEATS:
            low, high, body = av
            if high > 1 and high != low or _varies(list(body)):
                return True
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
            if _varies(list(av[1])):
                return True
        elif any(_varies(part) for part in _parts(op, av)):
            return True
    return False


@dataclass
class LoadResult:
    """Rules read from a file, and the rows refused with their line number and reason."""

    rules: list[Rule] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def read_rules(path: str | Path = DATA_FILE) -> LoadResult:
    """Read a rule CSV (name, kind, level, pattern, unless, transfer_to, is_regex); bad rows are reported."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise RuleFileError(f"{path}: {exc.strerror}") from exc
    result = LoadResult()
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS[:4] if c not in (reader.fieldnames or [])]
        if missing:
            raise RuleFileError(f"{path}: missing columns {', '.join(missing)}")
        for row in reader:
            line = reader.line_num
            rule = Rule(
                name=(row.get("name") or "").strip(), kind=(row.get("kind") or "").strip(),
                level=(row.get("level") or "").strip(), pattern=(row.get("pattern") or "").strip(),
                unless=(row.get("unless") or "").strip(), transfer_to=(row.get("transfer_to") or "").strip(),
                is_regex=(row.get("is_regex") or "").strip().lower() in {"1", "true", "yes", "是"},
            )
            problems = check_rule(rule)
            if problems:
                result.errors.append((line, "；".join(problems)))
            else:
                result.rules.append(rule)
    return result


@dataclass(frozen=True)
class Hit:
    """One rule that matched, with the words that made it match."""

    rule: str
    kind: str
    level: str
    words: tuple[str, ...]
    transfer_to: str = ""

    @property
    def reason(self) -> Reason:
        """Why (`urgency.hit`): the kind, the words and the rule's name (shown as 「火情：命中「…」（规则：…）」)."""
        return Reason.of("urgency.hit", kind=self.kind, words=self.words, rule=self.rule)


@dataclass(frozen=True)
class Assessment:
    """The urgency of an order: level, the reasons, and the emergency service to transfer to, if any."""

    level: str
    hits: tuple[Hit, ...] = ()
    prior: Reason | None = None  # the category prior's reason (`urgency.prior`), when it raised the level
    transfer_to: str = ""

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def life_threatening(self) -> bool:
        """A life is at risk: prompt the agent to transfer to 110/119/120 at once."""
        return any(h.level == URGENT and h.kind in LIFE_KINDS for h in self.hits)

    @property
    def reasons(self) -> list[Reason]:
        return [h.reason for h in self.hits] + ([self.prior] if self.prior else [])


class Assessor:
    """Rules compiled once; `assess` is then a few regular-expression searches."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = [(rule, *rule.compiled()) for rule in rules]

    def assess(self, text: str, *, utility_category: bool = False, category_name: str = "") -> Assessment:
        """Rules first; the category prior raises a utility matter (水电气热) to at least 较急."""
        hits: list[Hit] = []
        for rule, pattern, unless in self.rules:
            # An exception word cancels a match only where it overlaps it ("煤气费" vs "煤气泄漏"); an empty
            # match (a rule that slipped past `check_rule`) or a negated one (「没有着火」) never counts.
            spans = [m.span() for m in unless.finditer(text)] if unless is not None else []
            words = tuple(dict.fromkeys(
                m.group(0) for m in pattern.finditer(text)
                if m.end() > m.start() and not negated(text, m.start())
                and not any(s <= m.start() < e for s, e in spans)))
            if not words:
                continue
            hits.append(Hit(rule.name, rule.kind, rule.level, words, rule.transfer_to))
        hits.sort(key=lambda h: -_RANK[h.level])
        level = hits[0].level if hits else NORMAL
        prior = None
        if utility_category and _RANK[level] < _RANK[PRESSING]:
            level = PRESSING
            prior = Reason.of("urgency.prior", category=category_name)  # 「分类先验：…属水电气热，至少较急」
        transfer = next((h.transfer_to for h in hits if h.level == URGENT and h.transfer_to), "")
        return Assessment(level=level, hits=tuple(hits), prior=prior, transfer_to=transfer)


def assess(text: str, rules: Sequence[Rule] | None = None, **kwargs: object) -> Assessment:
    """Assess one text with the given rules (default: the shipped rule file)."""
    if rules is None:
        rules = read_rules().rules
    return Assessor(rules).assess(text, **kwargs)  # type: ignore[arg-type]
