"""Hot-spot clustering and the heat index on hand-made messages: two clear clusters and noise."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from hotline.intelligence.hotspots import (
    HotspotParams,
    Message,
    admin_prefix,
    cluster,
    extract_groups,
    extract_places,
    find_hotspots,
    growth_ratio,
    heat_index,
)

START = datetime(2019, 11, 1, 9, 0)

MIXER = [
    ("A2区丽发新城附近搅拌站噪音扰民", "A市A2区丽发新城小区旁边的搅拌站日夜施工，噪音和粉尘严重，业主无法休息。"),
    ("投诉丽发新城小区旁搅拌站噪音污染", "丽发新城小区附近的搅拌站噪音太大，晚上十二点还在作业，居民苦不堪言。"),
    ("A2区丽发新城搅拌站粉尘噪音严重", "丽发新城小区旁边搅拌站粉尘很大，噪音扰民，请环保部门查处。"),
    ("丽发新城小区附近违建搅拌站扰民", "A2区丽发新城附近违规建设的搅拌站，噪音粉尘影响业主生活，孩子无法学习。"),
]
PARKING = [
    ("A市伊景园滨河苑捆绑销售车位", "伊景园滨河苑开发商要求购房者必须购买车位才能签合同，这是捆绑销售。"),
    ("投诉伊景园滨河苑强制捆绑销售车位", "A市伊景园滨河苑项目强制购房者捆绑购买车位，职工购房者权益受损。"),
    ("伊景园滨河苑违法捆绑销售车位求解决", "伊景园滨河苑捆绑销售车位，每个车位十几万，购房者被迫接受。"),
]
NOISE = [
    ("A6区月亮岛路高压线杆架设的建议", "建议A6区月亮岛路沿线的110kv高压线改为地下电缆。"),
    ("咨询A市落户需要准备什么材料", "我是应届毕业生，想在A市落户，请问需要准备哪些证明材料？"),
    ("A3区某学校食堂饭菜价格太贵", "A3区一所中学的食堂饭菜价格偏高，学生家长希望有关部门管一管。"),
]


def _messages() -> list[Message]:
    out: list[Message] = []
    for n, (title, body) in enumerate(MIXER):
        out.append(Message(id=f"m{n}", title=title, body=body, at=START + timedelta(days=2 * n),
                           user=f"u{n}", likes=10 * n, dislikes=1))
    for n, (title, body) in enumerate(PARKING):
        out.append(Message(id=f"p{n}", title=title, body=body, at=START + timedelta(days=n), user=f"v{n}"))
    for n, (title, body) in enumerate(NOISE):
        out.append(Message(id=f"n{n}", title=title, body=body, at=START + timedelta(days=n), user=f"w{n}"))
    return out


def test_two_clear_clusters_are_found_and_the_noise_stays_alone() -> None:
    messages = _messages()
    groups = cluster(messages)
    by_id = [{messages[i].id for i in group} for group in groups]
    assert {"m0", "m1", "m2", "m3"} in by_id
    assert {"p0", "p1", "p2"} in by_id
    assert {"n0"} in by_id and {"n1"} in by_id and {"n2"} in by_id
    assert sorted(i for group in groups for i in group) == list(range(len(messages)))


def test_hot_issues_are_ranked_by_heat_with_place_people_and_description() -> None:
    issues = find_hotspots(_messages())
    assert [issue.rank for issue in issues] == [1, 2]
    first, second = issues
    assert set(first.message_ids) == {"m0", "m1", "m2", "m3"}
    assert "丽发新城" in first.place and "搅拌站" in first.description
    assert "业主" in first.groups
    assert first.orders == 4 and first.people == 4
    assert first.supports == 0 + 9 + 19 + 29  # likes − dislikes, never below zero
    assert first.first_at == START and first.last_at == START + timedelta(days=6)
    assert "伊景园滨河苑" in second.place and "购房者" in second.groups
    assert first.heat > second.heat > 0


def test_results_do_not_depend_on_the_input_order() -> None:
    messages = _messages()
    forward = find_hotspots(messages)
    backward = find_hotspots(list(reversed(messages)))
    assert [(i.heat, i.message_ids, i.description) for i in forward] == \
           [(i.heat, i.message_ids, i.description) for i in backward]


def test_one_person_writing_many_times_is_not_a_hot_issue() -> None:
    repeated = [Message(id=f"r{n}", title="A2区丽发新城搅拌站噪音扰民", body="搅拌站噪音", user="same",
                        at=START + timedelta(hours=n)) for n in range(5)]
    assert find_hotspots(repeated) == []
    assert find_hotspots(repeated, params=HotspotParams(min_people=1))[0].people == 1


def test_messages_further_apart_than_the_span_are_not_clustered() -> None:
    a = Message(id="a", title="丽发新城搅拌站噪音扰民", body="搅拌站噪音", at=START, user="x")
    b = Message(id="b", title="丽发新城搅拌站噪音扰民", body="搅拌站噪音", at=START + timedelta(days=400), user="y")
    assert len(cluster([a, b])) == 2
    assert len(cluster([a, b], HotspotParams(max_span_days=None))) == 1


def test_the_heat_formula() -> None:
    heat = heat_index(orders=4, people=3, supports=20, growth=2.0, recency=1.0)
    expected = 10 * (math.log1p(4) + 1.5 * math.log1p(3) + 0.5 * math.log1p(20) + 0.5 * math.log(2.0))
    assert heat == pytest.approx(round(expected, 2))
    # shrinking does not lower the heat below the base; recency halves at most
    assert heat_index(orders=4, people=3, supports=20, growth=0.5, recency=0.0) == pytest.approx(
        round(0.5 * (expected - 10 * 0.5 * math.log(2.0)), 2))


def test_growth_compares_the_last_window_with_the_one_before() -> None:
    as_of = START + timedelta(days=14)
    times = [as_of - timedelta(days=d) for d in (1, 2, 3, 8)]
    assert growth_ratio(times, as_of, 7) == (3 + 1) / (1 + 1)


def test_places_people_and_administrative_prefix() -> None:
    text = "反映A市A2区桂花坪街道伊景园滨河苑小区的业主和学生家长的问题"
    assert extract_places(text) == ["桂花坪街道", "伊景园滨河苑"]
    assert admin_prefix(text) == "A市A2区"
    assert extract_groups(text) == ["业主", "学生", "家长"]
    assert extract_groups("退休职工") == ["退休职工"]  # no overlapping shorter names


def test_no_messages_no_issues() -> None:
    assert find_hotspots([]) == []
