"""Matching a caller's matter against published incidents, without a database: time window, area sub-trees
(and area names in the words when the place is missing or coarser), keywords, category sub-trees, the script."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.incidents.matching import (
    LiveIncident,
    Matter,
    answered_by_script,
    area_fits,
    in_window,
    match_one,
    matches,
    overran,
    place_names,
    planned,
    split_keywords,
)
from hotline.tickets.tests.factories import NOW

# The tree: district /1/2/, its street /1/2/3/ (桂花坪街道) with community /1/2/3/4/, another street /1/2/5/,
# another district /1/6/.
DISTRICT, STREET, COMMUNITY, OTHER_STREET, OTHER_DISTRICT = "/1/2/", "/1/2/3/", "/1/2/3/4/", "/1/2/5/", "/1/6/"


def outage(**changes: object) -> LiveIncident:
    values: dict = {"id": 1, "title": "停水", "script": "口径", "keywords": ("停水", "没水"), "category_id": None,
                    "area_paths": (STREET,), "area_names": place_names("A2区桂花坪街道"),
                    "starts_at": NOW - timedelta(hours=1), "expected_end": NOW + timedelta(hours=5)}
    return LiveIncident(**(values | changes))


def matter(text: str = "家里停水了", place: str = COMMUNITY, categories: tuple[int, ...] = ()) -> Matter:
    return Matter.of(description=text, place_path=place, category_ids=categories)


def test_keywords_split_on_spaces_and_chinese_punctuation_once_each() -> None:
    assert split_keywords(" 停水，没水、水压低;停水\n断水 ") == ["停水", "没水", "水压低", "断水"]
    assert split_keywords("") == []


def test_place_names_drop_the_district_prefix_and_government_suffix() -> None:
    assert place_names("A2区桂花坪街道") == ("A2区桂花坪街道", "桂花坪街道")
    assert place_names("A2区人民政府") == ("A2区人民政府", "A2区")
    assert place_names("高新区街道") == ("高新区街道",)  # 「街道」 alone names no place
    assert place_names("向阳社区") == ("向阳社区",)


@pytest.mark.parametrize(("offset", "inside"), [(-61, False), (-60, True), (0, True), (300, True), (301, True)])
def test_the_incident_is_live_from_its_start_until_someone_ends_it(offset: int, inside: bool) -> None:
    """Past the expected end it still matches (an overrunning outage is when calls peak), flagged as overrun."""
    incident = outage()
    at = NOW + timedelta(minutes=offset)
    assert in_window(incident, at) is inside
    assert overran(incident, at) is (offset > 300)
    assert planned(incident, at) is (offset < -60)


def test_without_an_expected_end_the_window_stays_open() -> None:
    assert in_window(outage(expected_end=None), NOW + timedelta(days=30))
    assert not in_window(outage(expected_end=None), NOW - timedelta(hours=2))


@pytest.mark.parametrize(("place", "fits"), [
    (STREET, True), (COMMUNITY, True),  # the area or below it
    (OTHER_STREET, False), (OTHER_DISTRICT, False),  # elsewhere, even if the words name the street
])
def test_the_place_must_lie_in_an_area(place: str, fits: bool) -> None:
    assert area_fits(outage(), matter("桂花坪街道停水了", place)) is fits


def test_a_missing_or_coarser_place_fits_when_the_words_name_an_area() -> None:
    assert area_fits(outage(), matter("桂花坪街道幸福小区停水", ""))
    assert area_fits(outage(), matter("A2区桂花坪街道幸福小区停水", DISTRICT))
    assert not area_fits(outage(), matter("幸福小区停水", ""))
    assert not area_fits(outage(), matter("幸福小区停水", DISTRICT))


def test_an_incident_without_areas_fits_anywhere() -> None:
    city = outage(area_paths=(), area_names=())
    assert area_fits(city, matter(place=OTHER_DISTRICT)) and area_fits(city, matter(place=""))


def test_a_keyword_or_the_category_subtree_is_needed() -> None:
    by_category = outage(keywords=(), category_id=7)
    assert match_one(by_category, matter("家里水龙头出黄水", categories=(9, 8, 7)), NOW).by_category
    assert match_one(by_category, matter("家里水龙头出黄水", categories=(7,)), NOW) is not None
    assert match_one(by_category, matter("家里水龙头出黄水", categories=(9, 8)), NOW) is None  # a sibling branch
    assert match_one(by_category, matter("家里水龙头出黄水"), NOW) is None  # no category at all
    found = match_one(outage(), matter("从早上起就没水了"), NOW)
    assert found is not None and found.keyword == "没水" and not found.by_category
    assert match_one(outage(), matter("路灯不亮"), NOW) is None


def test_keywords_are_found_in_title_and_address_too_and_ignore_case() -> None:
    wifi = outage(keywords=("WiFi",), area_paths=(), area_names=())
    assert match_one(wifi, Matter.of(title="wifi 断了"), NOW) is not None
    assert match_one(outage(), Matter.of(title="咨询", address="幸福小区停水点", place_path=STREET), NOW) is not None


def test_matches_keeps_the_incidents_that_match_in_order() -> None:
    water, late, power = outage(id=1), outage(id=2, starts_at=NOW + timedelta(hours=1)), outage(id=3, keywords=("停电",))
    assert [m.incident.id for m in matches([water, late, power], matter(), NOW)] == [1]


def test_an_answer_contains_the_script_whatever_the_line_breaks() -> None:
    script = "您好，因管网抢修停水，\n预计今晚八点恢复。"
    assert answered_by_script(script, "您好，因管网抢修停水，预计今晚八点恢复。\n〔补充〕已记录地址")
    assert not answered_by_script(script, "您好，因管网抢修停水。")
    assert not answered_by_script("", "任何答复")
