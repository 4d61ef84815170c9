"""Address recognition (地址识别): aliases, longest match, conflicts, ambiguity, no hits on ordinary words."""

from __future__ import annotations

import csv
import timeit
from pathlib import Path

import pytest

from hotline.intelligence.places import Gazetteer, Place

CITY = 1
A5, A2 = 10, 20
TONGSHENG, GUITANG, MUYUN, XIANFENG = 11, 12, 21, 22
YUYING_T, YUYING_G, CHAYUANPO, NANHU = 111, 121, 211, 212

UNITS = [
    (CITY, "centre", "A市12345热线中心", None),
    (A5, "district", "A5区人民政府", CITY),
    (A2, "district", "A2区人民政府", CITY),
    (TONGSHENG, "street", "A5区同升街道", A5),
    (GUITANG, "street", "A5区圭塘街道", A5),
    (MUYUN, "street", "A2区暮云街道", A2),
    (XIANFENG, "street", "A2区先锋街道", A2),
    (YUYING_T, "community", "育英社区", TONGSHENG),
    (YUYING_G, "community", "育英社区", GUITANG),  # the same name under two streets
    (CHAYUANPO, "community", "茶园坡社区", MUYUN),
    (NANHU, "community", "南湖社区", MUYUN),
    (99, "department", "市城市管理综合执法局", CITY),
]


@pytest.fixture(scope="module")
def places() -> Gazetteer:
    return Gazetteer(UNITS)


def ids(place: Place | None) -> tuple[int | None, int | None, int | None] | None:
    return place.ids if place else None


@pytest.mark.parametrize(("text", "expected"), [
    ("A市A2区暮云街道茶园坡社区东二环315号", (A2, MUYUN, CHAYUANPO)),  # official street name, the longest
    ("暮云街道茶园坡社区12栋", (A2, MUYUN, CHAYUANPO)),  # short forms
    ("同升街道", (A5, TONGSHENG, None)),
    ("A5区", (A5, None, None)),
    ("A5区人民政府", (A5, None, None)),
    ("Ａ５区同升街道", (A5, TONGSHENG, None)),  # full-width letters and digits
    ("a5区", (A5, None, None)),
    ("同升，东二环315号", (A5, TONGSHENG, None)),  # a bare stem standing alone
    ("A5区同升", (A5, TONGSHENG, None)),
    ("同升街道育英社区", (A5, TONGSHENG, YUYING_T)),  # the street decides between the two 育英社区
    ("A2区 A5区 同升街道", (A5, TONGSHENG, None)),  # the street decides between the districts
])
def test_the_names_people_write_find_the_chain(places: Gazetteer, text: str, expected: tuple) -> None:
    place = places.match(text)
    assert place is not None and place.ids == expected and place.is_certain


def test_a_community_name_alone_is_found_but_not_certain(places: Gazetteer) -> None:
    """Many cities have a 茶园坡社区: with no district or street of ours named, it is only a suggestion."""
    place = places.match("茶园坡社区")
    assert place.ids == (A2, MUYUN, CHAYUANPO) and place.community_only and not place.is_certain
    assert places.match("暮云街道茶园坡社区").is_certain and places.match("A2区茶园坡社区").is_certain


def test_the_centres_own_city_is_read_from_its_name(places: Gazetteer) -> None:
    assert places.home == {"A市"}
    assert Gazetteer([(1, "district", "长沙市天心区人民政府", None)]).home == {"长沙市"}
    assert Gazetteer([(1, "district", "A5区人民政府", None)]).home == frozenset()


@pytest.mark.parametrize(("text", "foreign"), [
    ("湖南省株洲市芦淞区建设中路茶园坡社区", ("湖南省", "株洲市", "芦淞区")),
    ("长沙市天心区南湖社区12栋", ("长沙市", "天心区")),
    ("F市F1区茶园坡社区3栋2单元", ("F市", "F1区")),
    ("西地省L市南湖社区", ("西地省", "L市")),
    ("B市暮云街道", ("B市",)),
    ("湖南省暮云街道", ("湖南省",)),  # a province, and no city of ours named
    ("A2区暮云街道，株洲市", ("株洲市",)),
    ("广西壮族自治区南湖社区", ("广西壮族自治区",)),
])
def test_another_citys_places_make_nothing_certain(places: Gazetteer, text: str, foreign: tuple) -> None:
    place = places.match(text)
    assert place.foreign == foreign and not place.is_certain
    assert place.ids == (None, None, None) and place.candidates  # what matched is only a candidate
    assert place.candidates[0].id in (CHAYUANPO, NANHU, MUYUN)


@pytest.mark.parametrize("text", [
    "A市A2区暮云街道茶园坡社区东二环315号",  # our own city
    "某某省A市A2区暮云街道",  # a province is said of our city too
    "暮云街道茶园坡社区住宅小区B区3栋",  # a housing estate and its block
    "暮云街道，农贸市场旁边",
    "A2区暮云街道工业园区",
    "茶园坡社区（超市对面）",
])
def test_words_ending_like_a_level_are_no_foreign_places(places: Gazetteer, text: str) -> None:
    assert places.match(text).foreign == ()


def test_a_place_reads_as_written(places: Gazetteer) -> None:
    place = places.match("A市A5区同升街道育英社区东二环315号")
    assert place.label == "A5区 / 同升街道 / 育英社区" and place.community.label == place.label
    assert place.finest.id == YUYING_T


@pytest.mark.parametrize("text", [
    "先锋路口的路灯坏了", "他是学习的“先锋”", "南湖派出所旁边", "暮云2号楼", "同升中学", "A市人民政府",
    "市城市管理综合执法局", "", "   ",
])
def test_ordinary_words_are_no_places(places: Gazetteer, text: str) -> None:
    assert places.match(text) is None


def test_a_community_under_two_streets_is_not_guessed(places: Gazetteer) -> None:
    place = places.match("育英社区3栋")
    assert place.ids == (A5, None, None) and not place.is_certain  # only the district is certain
    assert {a.id for a in place.candidates} == {YUYING_T, YUYING_G}
    assert [a.label for a in place.candidates] == ["A5区 / 同升街道 / 育英社区", "A5区 / 圭塘街道 / 育英社区"]


def test_a_street_of_another_district_conflicts(places: Gazetteer) -> None:
    place = places.match("A2区同升街道")
    assert place.ids == (A2, None, None) and [a.id for a in place.candidates] == [TONGSHENG]


def test_two_districts_and_nothing_else_decide_nothing(places: Gazetteer) -> None:
    place = places.match("A5区和A2区交界")
    assert place.ids == (None, None, None) and place.finest is None
    assert {a.id for a in place.candidates} == {A5, A2}


def test_two_streets_keep_their_district(places: Gazetteer) -> None:
    place = places.match("同升街道与圭塘街道交界处")
    assert place.ids == (A5, None, None) and {a.id for a in place.candidates} == {TONGSHENG, GUITANG}


def test_short_stems_only_when_unambiguous() -> None:
    units = [(1, "district", "东城区", None), (2, "district", "西城区", None),
             (3, "street", "东城区和平街道", 1), (4, "street", "西城区和平街道", 2), (5, "street", "东华门镇", 1),
             (6, "street", "西乡", 2)]
    places = Gazetteer(units)
    assert places.match("和平") is None  # two streets have the stem
    assert places.match("和平街道").ids == (None, None, None)  # …and the name: not guessed
    assert places.match("西城区和平街道").ids == (2, 4, None)
    assert places.match("东华门").ids == (1, 5, None)  # 镇 dropped: the stem, unique
    assert places.match("西") is None and places.match("西乡").ids == (2, 6, None)  # one character is never a name


def test_matching_a_60_character_address_takes_microseconds() -> None:
    from hotline.demo.orgs import COMMUNITY_NAMES, DISTRICTS

    places = Gazetteer(_demo_units(DISTRICTS, COMMUNITY_NAMES))
    address = "A市A5区同升街道育英社区东二环315号附近小区门口，晚上十点以后烧烤摊油烟很大噪音扰民严重，望处理"[:60]
    assert places.match(address).label == "A5区 / 同升街道 / 育英社区"
    seconds = min(timeit.repeat(lambda: places.match(address), number=200, repeat=5)) / 200
    assert seconds < 0.5e-3  # about 15 µs on a quiet machine; the bound only catches an accidental blow-up


@pytest.mark.parametrize(("address", "foreign", "candidate"), [
    ("湖南省株洲市芦淞区建设中路向阳社区", ("湖南省", "株洲市", "芦淞区"), "A1区 / 定王台街道 / 向阳社区"),
    ("长沙市天心区桂花社区12栋", ("长沙市", "天心区"), "A4区 / 捞刀河街道 / 桂花社区"),
    ("F市F1区向阳社区3栋2单元", ("F市", "F1区"), "A1区 / 定王台街道 / 向阳社区"),
    ("西地省L市南湖社区", ("西地省", "L市"), "A6区 / 月亮岛街道 / 南湖社区"),
    ("B市金洲街道", ("B市",), "A6区 / 金洲街道"),
])
def test_the_reviewers_addresses_of_other_cities_are_not_placed_here(address: str, foreign: tuple,
                                                                     candidate: str) -> None:
    from hotline.demo.orgs import COMMUNITY_NAMES, DISTRICTS

    place = Gazetteer(_demo_units(DISTRICTS, COMMUNITY_NAMES)).match(address)
    assert not place.is_certain and place.label == "" and place.foreign == foreign
    assert [a.label for a in place.candidates] == [candidate]


def test_a_foreign_address_is_still_a_matter_of_microseconds() -> None:
    from hotline.demo.orgs import COMMUNITY_NAMES, DISTRICTS

    places = Gazetteer(_demo_units(DISTRICTS, COMMUNITY_NAMES))
    address = "湖南省株洲市芦淞区建设中路向阳社区12栋3单元门口，晚上十点以后烧烤摊油烟很大噪音扰民严重，望处理"[:60]
    assert places.match(address).foreign
    seconds = min(timeit.repeat(lambda: places.match(address), number=200, repeat=5)) / 200
    assert seconds < 0.5e-3


def _demo_units(districts: dict[str, list[str]], communities: list[str]) -> list[tuple[int, str, str, int | None]]:
    """The demo city's areas as `hotline/demo/orgs.py` names them, without a database."""
    rows: list[tuple[int, str, str, int | None]] = [(0, "centre", "A市12345热线中心", None)]
    names = iter(communities)
    for key, streets in districts.items():
        district = len(rows) + 1
        rows.append((district, "district", f"{key}区人民政府", None))
        for number, street_name in enumerate(streets, start=1):
            street = len(rows) + 1
            rows.append((street, "street", f"{key}区{street_name}", district))
            for _ in range(3 if number % 2 else 2):
                rows.append((len(rows) + 1, "community", f"{next(names)}社区", street))
    return rows


def test_the_demo_messages_rarely_name_a_place_in_their_description() -> None:
    """Descriptions name places in passing (「A5区教师招录」); the order's area comes from its address only.

    Over the 6,578 messages 留言详情: 5.7 % hit something, nine in ten of the certain ones a district
    「A…区」 named in passing; a bare street stem hits once (「、金洲、」 in a list of towns, a real place).
    """
    from hotline.demo.orgs import COMMUNITY_NAMES, DISTRICTS

    places = Gazetteer(_demo_units(DISTRICTS, COMMUNITY_NAMES))
    path = Path(__file__).resolve().parents[2] / "data" / "messages_labeled.csv"
    with path.open(encoding="utf-8") as f:
        texts = [row["留言详情"] or "" for row in csv.DictReader(f)]
    found = [p for p in map(places.match, texts) if p is not None]
    assert len(texts) > 6000 and len(found) / len(texts) < 0.08
    certain = [p for p in found if p.is_certain]
    assert sum(p.finest.kind == "district" for p in certain) / len(certain) > 0.8
    stems = [h for text in texts for h in places._hits(text) if h.weak]
    assert len(stems) <= 2
