"""Address recognition (地址识别): find the district, street and community named in a typed address.

Pure Python, no Django: `Gazetteer` is built once from the area units (id, kind, name, parent id) and
`match(text)` then costs microseconds. It derives the names people actually write from the units'
official names:

- a district 「A5区人民政府」 is written 「A5区」 (its official name is kept too);
- a street 「A5区同升街道」 is written 「同升街道」, and 「同升」 when no other place has that stem and it
  stands on its own in the text (「同升，东二环315号」, 「A5区同升」) — a bare stem inside a sentence
  (「先锋路」, 「学士学位」) is an ordinary word, not a place;
- a community 「育英社区」 only with its suffix (「南湖派出所」 is no 南湖社区).

The longest name wins at each position. The result is the most specific chain the text supports; when
names conflict (a community name found under two streets, a street of district A while the text names
district B) it keeps what is certain and lists the rest as candidates instead of guessing.

Community and street names repeat from city to city (every city has a 向阳社区), so an address that also
names an administrative place the gazetteer does not know (「株洲市」, 「芦淞区」, 「F市」; a province
only when the centre's own city is not named) decides nothing: what matched becomes a candidate. The
centre's own city is read from the centre's name (「A市12345热线中心」 → 「A市」) or a district's official
name (「长沙市天心区人民政府」 → 「长沙市」). A community name alone, with no district or street of ours
named, is a place but not a certain one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

DISTRICT, STREET, COMMUNITY = "district", "street", "community"
KINDS = (DISTRICT, STREET, COMMUNITY)

#: Endings of an official district name that people leave out (「A5区人民政府」 → 「A5区」).
DISTRICT_SUFFIXES = ("人民政府", "政府")
#: Endings of a street-level name; the stem before them may be written alone (「同升街道」 → 「同升」).
STREET_SUFFIXES = ("街道办事处", "街道办", "街道", "镇", "乡")
#: Characters that may stand next to a bare stem (「同升」) for it to count as a place.
SEPARATORS = frozenset(" \t\n,，、;；:：/|()（）[]【】-—")
#: Shortest name matched at all (one character is always an ordinary word).
MIN_ALIAS = 2
#: The kind of the centre unit, whose name says the centre's own city (「A市12345热线中心」).
CENTRE = "centre"
#: The levels of administrative place names (行政区划), longest first; the first three are province level.
ADMIN_LEVELS = ("特别行政区", "自治区", "省", "自治州", "自治县", "自治旗", "市", "州", "盟", "区", "县", "旗")
PROVINCE_LEVELS = ADMIN_LEVELS[:3]
#: Words ending like a level that name no administrative place (「住宅小区」, 「工业园区」, 「农贸市场」).
NOT_ADMIN = ("小区", "社区", "园区", "景区", "校区", "城区", "辖区", "片区", "厂区", "矿区", "营区", "街区", "院区",
             "山区", "郊区", "库区", "开发区", "工业区", "商业区", "住宅区", "生活区", "办公区", "服务区", "保税区",
             "示范区", "超市", "城市", "菜市", "夜市", "早市", "集市", "门市", "花市", "股市")


def _admin_pattern() -> re.Pattern[str]:
    """An administrative place name: a stem and its level (「株洲市」, 「芦淞区」, 「湘西土家族苗族自治州」).

    Chinese stems have two to eight characters, none of them 省市区县 (so 「株洲市芦淞区」 is two names).
    Latin stems are the anonymised data's: a letter for a province or city (「L市」), a letter and digits
    for a district or county (「F1区」); 「B区」 alone is a block of a housing estate.
    """
    stem = r"(?:(?![省市区县])[\u4e00-\u9fff])"
    levels = "|".join(ADMIN_LEVELS)
    return re.compile(f"[A-Z][0-9]{{0,2}}(?:省|市)|[A-Z][0-9]{{1,2}}(?:区|县)|{stem}{{2,8}}?(?:{levels})")


_ADMIN = _admin_pattern()
#: Where an address is cut into the runs that may begin with an administrative name.
_SEPARATED = re.compile("[" + re.escape("".join(sorted(SEPARATORS))) + "]+")


@dataclass(frozen=True)
class Area:
    """One district, street or community of the gazetteer."""

    id: int
    kind: str
    name: str  # the official name, e.g. 「A5区同升街道」
    short: str  # the name as written, e.g. 「同升街道」
    parent_id: int | None
    label: str = ""  # the whole chain as written: 「A5区 / 同升街道 / 育英社区」


@dataclass(frozen=True)
class Place:
    """What an address names: the certain levels, and the places it could not decide between."""

    district: Area | None = None
    street: Area | None = None
    community: Area | None = None
    candidates: tuple[Area, ...] = field(default=())
    #: Administrative places the text names that are not ours (「株洲市」, 「芦淞区」): then nothing is certain.
    foreign: tuple[str, ...] = field(default=())
    #: Only a community name was found, no district or street of ours: many cities have a 向阳社区.
    community_only: bool = False

    @property
    def finest(self) -> Area | None:
        """The most specific certain level."""
        return self.community or self.street or self.district

    @property
    def is_certain(self) -> bool:
        """True when something was found, nothing was left undecided, and the text says it is ours: a
        district or street of ours is named and no place of another city or province."""
        return self.finest is not None and not self.candidates and not self.foreign and not self.community_only

    @property
    def ids(self) -> tuple[int | None, int | None, int | None]:
        """(district id, street id, community id), None where unknown."""
        return tuple(a.id if a else None for a in (self.district, self.street, self.community))  # type: ignore[return-value]

    @property
    def label(self) -> str:
        """The certain levels as written, e.g. 「A5区 / 同升街道」."""
        return " / ".join(a.short for a in (self.district, self.street, self.community) if a)


#: Full-width letters and digits (「Ａ５区」), the only characters of a place name that folding changes.
_WIDE = re.compile("[０-９Ａ-Ｚａ-ｚ]")


def fold(text: str) -> str:
    """Text as the matcher compares it: full-width letters and digits folded (「Ａ５区」 → 「A5区」), upper case."""
    if _WIDE.search(text):
        text = unicodedata.normalize("NFKC", text)
    return text.upper()


def _trie_pattern(words: Iterable[str]) -> str:
    """One regular expression matching any of `words`, the longest at each position (a trie, so matching
    a position costs one character-class test, however many names there are)."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie) if trie else "(?!)"


def _strip(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _written_names(rows: list[tuple[int, str, str, int | None]]) -> dict[int, str]:
    """Each unit's name as people write it: 「A5区人民政府」 → 「A5区」, 「A5区同升街道」 → 「同升街道」."""
    names = {pk: name for pk, _kind, name, _parent in rows}
    kinds = {pk: kind for pk, kind, _name, _parent in rows}
    shorts: dict[int, str] = {}
    for pk, kind, name, parent in rows:
        short = name
        if kind == DISTRICT:
            short = _strip(name, DISTRICT_SUFFIXES)
        elif kind == STREET and parent in names and kinds[parent] == DISTRICT:
            district = _strip(names[parent], DISTRICT_SUFFIXES)
            if name.startswith(district) and len(name) > len(district):
                short = name[len(district):]
        shorts[pk] = short
    return shorts


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    ids: frozenset[int]
    weak: bool  # a bare stem: counts only where it stands on its own


class Gazetteer:
    """The area units and every name they are written by, compiled for fast matching (地名库)."""

    def __init__(self, units: Iterable[tuple[int, str, str, int | None]]) -> None:
        """Build from (unit id, kind, official name, parent id); a centre's name says the centre's own city,
        units of other kinds are ignored."""
        units = list(units)
        rows = [(pk, kind, name.strip(), parent) for pk, kind, name, parent in units if kind in KINDS and name.strip()]
        shorts = _written_names(rows)
        parents = {pk: parent for pk, _kind, _name, parent in rows}
        self.areas: dict[int, Area] = {}
        for pk, kind, name, parent in rows:
            chain, node, seen = [], pk, set()
            while node in shorts and node not in seen:
                seen.add(node)
                chain.append(shorts[node])
                node = parents[node]
            self.areas[pk] = Area(pk, kind, name, shorts[pk], parent, " / ".join(reversed(chain)))
        #: Each unit's street and district (itself included), so that resolving is dictionary look-ups.
        self._above: dict[str, dict[int, int | None]] = {
            kind: {pk: self._walk_up(pk, kind) for pk in self.areas} for kind in (DISTRICT, STREET)}
        #: Every name → (the units it names, whether it is a bare stem).
        self._aliases = self._names()
        self._pattern = re.compile(_trie_pattern(self._aliases))
        #: The centre's own city as written (「A市」), from the centre's and the districts' official names.
        self.home = frozenset(
            m.group() for _pk, kind, name, _parent in units if kind in (CENTRE, DISTRICT)
            if (m := _ADMIN.match(fold(name.strip()))) and not m.group().endswith(("区", "县", *PROVINCE_LEVELS)))

    def _names(self) -> dict[str, tuple[frozenset[int], bool]]:
        """Official and written names, and the bare street stems no other place has or is called."""
        strong: dict[str, set[int]] = {}
        for area in self.areas.values():
            for alias in {area.name, area.short}:
                if len(alias) >= MIN_ALIAS:
                    strong.setdefault(fold(alias), set()).add(area.id)
        stems: dict[str, set[int]] = {}
        for area in self.areas.values():
            if area.kind == STREET:
                stem = fold(_strip(area.short, STREET_SUFFIXES))
                if len(stem) >= MIN_ALIAS and stem != fold(area.short):
                    stems.setdefault(stem, set()).add(area.id)
        weak = {stem: ids for stem, ids in stems.items() if len(ids) == 1 and stem not in strong}
        return {**{alias: (frozenset(ids), True) for alias, ids in weak.items()},
                **{alias: (frozenset(ids), False) for alias, ids in strong.items()}}

    def __len__(self) -> int:
        return len(self.areas)

    def _hits(self, text: str) -> list[_Hit]:
        """The names in the text, left to right, the longest at each position, not overlapping."""
        aliases = self._aliases
        hits = [_Hit(m.start(), m.end(), *aliases[m.group()]) for m in self._pattern.finditer(text)]
        return [h for n, h in enumerate(hits) if not h.weak or self._stands_alone(text, hits, n)]

    @staticmethod
    def _stands_alone(text: str, hits: list[_Hit], n: int) -> bool:
        """A bare stem counts between separators (spaces, commas, slashes, brackets), the text's edges or
        other names: 「同升，东二环」 and 「A5区同升」 do, 「先锋路」, 「“先锋”」 and 「西湖10.3分」 do not."""
        hit = hits[n]
        before = hit.start == 0 or text[hit.start - 1] in SEPARATORS or (n > 0 and hits[n - 1].end == hit.start)
        after = (hit.end == len(text) or text[hit.end] in SEPARATORS
                 or (n + 1 < len(hits) and hits[n + 1].start == hit.end))
        return before and after

    def _walk_up(self, pk: int, kind: str) -> int | None:
        """The unit of `kind` above (or at) `pk`, if any (stops at a loop in bad data)."""
        seen: set[int] = set()
        node: int | None = pk
        while node is not None and node in self.areas and node not in seen:
            if self.areas[node].kind == kind:
                return node
            seen.add(node)
            node = self.areas[node].parent_id
        return None

    def _up(self, pk: int, kind: str) -> int | None:
        """The unit of `kind` above (or at) `pk` (COMMUNITY: the unit itself when it is one)."""
        if kind == COMMUNITY:
            return pk if self.areas[pk].kind == COMMUNITY else None
        return self._above[kind].get(pk)

    def match(self, text: str) -> Place | None:
        """The place the text names, or None when it names none."""
        text = fold(text or "")
        hits = self._hits(text)
        if not hits:
            return None
        named: dict[str, set[int]] = {kind: set() for kind in KINDS}
        for hit in hits:
            for pk in hit.ids:
                named[self.areas[pk].kind].add(pk)
        place = self._chain(named) or self._resolve(named[DISTRICT], named[STREET], named[COMMUNITY],
                                                    [hit.ids for hit in hits])
        if foreign := self._foreign(text, hits):
            # Another city's 向阳社区 is no proof of ours: what matched is only a candidate.
            found = [place.finest] if place.finest else []
            return Place(candidates=tuple(dict.fromkeys([*found, *place.candidates])), foreign=foreign)
        if not named[DISTRICT] and not named[STREET]:
            return replace(place, community_only=True)
        return place

    def _foreign(self, text: str, hits: list[_Hit]) -> tuple[str, ...]:
        """The administrative names in the text that are not ours (「株洲市」, 「F1区」), a province only when
        the centre's own city is not named. Read only where a name may begin: at the text's start, after a
        separator or a place of ours, and right after another such name (「湖南省株洲市芦淞区」)."""
        names: list[str] = []
        start = 0
        for begin, end in [*((h.start, h.end) for h in hits), (len(text), len(text))]:
            for run in _SEPARATED.split(text[start:begin]):
                pos = 0
                while (m := _ADMIN.match(run, pos)) and not (
                        m.group().endswith(NOT_ADMIN) or run.startswith("场", m.end())):
                    names.append(m.group())
                    pos = m.end()
            start = max(start, end)
        if not names:
            return ()
        province = not self.home.intersection(names)
        return tuple(dict.fromkeys(
            n for n in names if n not in self.home and (province or not n.endswith(PROVINCE_LEVELS))))

    def _chain(self, named: dict[str, set[int]]) -> Place | None:
        """The usual case made quick: at most one unit named per level, all on one chain."""
        if any(len(ids) > 1 for ids in named.values()):
            return None
        finest = next(next(iter(named[kind])) for kind in (COMMUNITY, STREET, DISTRICT) if named[kind])
        chain = {kind: self._up(finest, kind) for kind in KINDS}
        if any(ids and next(iter(ids)) != chain[kind] for kind, ids in named.items()):
            return None
        area = self.areas.get
        return Place(district=area(chain[DISTRICT]) if chain[DISTRICT] else None,  # type: ignore[arg-type]
                     street=area(chain[STREET]) if chain[STREET] else None,  # type: ignore[arg-type]
                     community=area(chain[COMMUNITY]) if chain[COMMUNITY] else None)  # type: ignore[arg-type]

    def _resolve(self, districts: set[int], streets: set[int], communities: set[int],
                 names: list[frozenset[int]]) -> Place:
        """Narrow each level by the others; keep a level only when one unit is left.

        `names` are the units each name found stands for: a name none of whose units fits the others
        conflicts with them (its units become candidates); one that kept a unit was merely decided.
        """
        up = self._up
        dropped: set[int] = set()

        def narrow(ids: set[int], keep: set[int], kind: str) -> set[int]:
            """`ids` whose unit of `kind` is in `keep` (all of them when `keep` is empty); the others conflict."""
            if not keep:
                return ids
            kept = {pk for pk in ids if up(pk, kind) in keep}
            dropped.update(ids - kept)
            return kept

        streets = narrow(streets, districts, DISTRICT)
        communities = narrow(narrow(communities, districts, DISTRICT), streets, STREET)
        # Lower levels decide between the names above them (「同升街道育英社区」, 「A5区…A2区…同升街道」).
        for lower, upper_kind in ((communities, STREET), (communities, DISTRICT), (streets, DISTRICT)):
            upper = streets if upper_kind == STREET else districts
            implied = {up(pk, upper_kind) for pk in lower} - {None}
            if upper and implied and upper & implied:
                upper.intersection_update(implied)
        streets = streets or {s for pk in communities if (s := up(pk, STREET)) is not None}
        districts = districts or {d for pk in streets | communities if (d := up(pk, DISTRICT)) is not None}
        one = {kind: next(iter(ids)) if len(ids) == 1 else None
               for kind, ids in ((DISTRICT, districts), (STREET, streets), (COMMUNITY, communities))}
        if one[COMMUNITY] is not None and up(one[COMMUNITY], STREET) != one[STREET]:
            one[COMMUNITY] = None
        if one[STREET] is not None and up(one[STREET], DISTRICT) != one[DISTRICT]:
            one[STREET] = one[COMMUNITY] = None
        # The finest level named more than once is what the text could not decide; conflicts are listed too.
        undecided = next((ids for kind, ids in ((COMMUNITY, communities), (STREET, streets), (DISTRICT, districts))
                          if len(ids) > 1 and one[kind] is None), set())
        conflicts = {pk for ids in names if ids <= dropped for pk in ids}
        candidates = sorted(undecided | conflicts, key=lambda pk: (KINDS.index(self.areas[pk].kind), pk))
        area = self.areas.get
        return Place(district=area(one[DISTRICT]) if one[DISTRICT] else None,
                     street=area(one[STREET]) if one[STREET] else None,
                     community=area(one[COMMUNITY]) if one[COMMUNITY] else None,
                     candidates=tuple(self.areas[pk] for pk in candidates))
