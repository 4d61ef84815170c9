"""Duplicate and repeat rules (重复件、批量诉求) on signatures of realistic order texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hotline.intelligence.duplicates import (
    Key,
    Settings,
    anonymous_submitters,
    chain_length,
    find,
    is_repeat,
    jaccard,
    phone_key,
    place_key,
    signature,
    similarity,
)
from hotline.intelligence.reasons import Reason

NOISE = "桂花坪街道向阳小区3栋楼下的烧烤摊每天晚上营业到凌晨两点，油烟和噪音严重扰民，多次反映无人处理。"
NOISE_AGAIN = "又是向阳小区3栋楼下烧烤摊，晚上营业到凌晨两点，噪音油烟扰民，之前反映过还是没人管。"
LAMP = "A2区暮云街道路灯不亮已经一个月了，晚上出行很不安全。"


def key(pk: int, text: str, phone: str = "13800138000", category1: int | None = 1, place: str = "c7") -> Key:
    return Key(ticket_id=pk, phone=phone_key(phone), category1=category1, place=place, signature=signature(text))


def test_signatures_estimate_jaccard() -> None:
    assert similarity(signature(NOISE), signature(NOISE)) == 1.0
    exact = jaccard(NOISE, NOISE_AGAIN)
    assert abs(similarity(signature(NOISE), signature(NOISE_AGAIN)) - exact) < 0.2
    assert similarity(signature(NOISE), signature(LAMP)) < 0.15
    assert signature("") == b"" and similarity(b"", signature(LAMP)) == 0.0
    assert len(signature(NOISE)) == 128


def test_phone_and_place_keys() -> None:
    assert phone_key("+86 138-0013-8000") == phone_key("13800138000") != phone_key("13900139000")
    assert phone_key("") == "" and phone_key("110") == ""
    assert place_key(community_id=5, street_id=2) == "c5"
    assert place_key(street_id=2) == "s2"
    assert place_key(address="A2区暮云街道新塘里小区") == place_key(address="A2区 暮云街道 新塘里小区")
    assert place_key(address="") == ""


def test_same_caller_same_matter_is_a_repeat() -> None:
    match = is_repeat(key(2, NOISE_AGAIN), key(1, NOISE))
    assert match is not None and match.ticket_id == 1
    # just under the text threshold: the same caller, category and place make it a repeat (「同一来电人，同一分类、…」)
    assert match.reason == Reason.of("repeat.same_place", similarity=match.similarity)
    same_text = is_repeat(key(2, NOISE, place="c8"), key(1, NOISE))
    assert same_text is not None and same_text.reason == Reason.of("repeat.same_caller", similarity=1.0)
    assert is_repeat(key(2, LAMP), key(1, NOISE)) is None  # same caller, another matter
    assert is_repeat(key(2, NOISE_AGAIN, phone="13900139000"), key(1, NOISE)) is None  # another caller
    assert is_repeat(key(2, NOISE, phone=""), key(1, NOISE, phone="")) is None  # no number, no repeat


def test_same_category_and_place_lowers_the_bar() -> None:
    loose = Settings(repeat_similarity=0.99, repeat_similarity_same_place=0.05)
    assert is_repeat(key(2, NOISE_AGAIN), key(1, NOISE), loose) is not None
    assert is_repeat(key(2, NOISE_AGAIN, place="c8"), key(1, NOISE), loose) is None


def test_many_callers_at_one_place_make_a_cluster() -> None:
    others = [key(i, NOISE if i % 2 else NOISE_AGAIN, phone=f"1380000000{i}") for i in range(1, 5)]
    new = key(9, NOISE, phone="13912345678")
    found = find(new, same_caller=[], same_place=others)
    assert found.is_cluster and found.cluster_callers == 5 and len(found.cluster) == 4
    # four callers are not enough; a different place or text does not count
    assert not find(new, same_caller=[], same_place=others[:3]).is_cluster
    elsewhere = [key(i, NOISE, phone=f"1380000000{i}", place="c99") for i in range(1, 5)]
    assert not find(new, same_caller=[], same_place=elsewhere).is_cluster
    lamps = [key(i, LAMP, phone=f"1380000000{i}") for i in range(1, 5)]
    assert not find(new, same_caller=[], same_place=lamps).is_cluster


def test_one_caller_calling_five_times_is_not_a_cluster() -> None:
    same = [key(i, NOISE) for i in range(1, 6)]
    found = find(key(9, NOISE), same_caller=same, same_place=same)
    assert not found.is_cluster
    assert [m.ticket_id for m in found.repeats] == [1, 2, 3, 4, 5]


def test_one_submitter_without_a_number_resending_is_not_a_cluster() -> None:
    """Five app posts without a phone, the same text at one place within minutes: one submitter, no alert."""
    t0 = datetime(2025, 3, 3, 22, 0, tzinfo=UTC)
    posts = [key(i, NOISE, phone="")._replace(registered_at=t0 + timedelta(minutes=5 * i)) for i in range(1, 5)]
    new = key(9, NOISE, phone="")._replace(registered_at=t0 + timedelta(minutes=25))
    found = find(new, same_caller=[], same_place=posts)
    assert not found.is_cluster and found.cluster_callers == 0
    # five different numberless people: the texts differ (NOISE / NOISE_AGAIN alternate) or come hours apart
    apart = [key(i, NOISE, phone="")._replace(registered_at=t0 + timedelta(hours=i)) for i in range(1, 5)]
    found = find(new._replace(registered_at=t0 + timedelta(hours=5)), same_caller=[], same_place=apart)
    assert found.is_cluster and found.cluster_callers == 5
    assert len(anonymous_submitters([*posts, new])) == 1
    mixed = [key(i, NOISE if i % 2 else NOISE_AGAIN, phone="")._replace(registered_at=t0) for i in range(1, 5)]
    assert len(anonymous_submitters(mixed)) == 2  # each text once resubmitted within the window
    assert len(anonymous_submitters([key(i, NOISE, phone="") for i in range(1, 4)])) == 3  # time unknown


def test_chain_length_counts_each_order_once() -> None:
    assert chain_length([], {}) == 1
    assert chain_length([2], {2: {1}}) == 3
    assert chain_length([2, 1], {2: {1}, 1: set()}) == 3


def test_finding_among_hundreds_of_candidates_agrees_with_the_rule_applied_one_by_one() -> None:
    """`find` scores every candidate in one vectorised pass; the result is the pairwise rules' result."""
    import random

    rng = random.Random(7)
    texts = [NOISE, NOISE_AGAIN, LAMP, NOISE + "已经一周", LAMP + "请尽快修", "小区门口垃圾堆放多日无人清运"]
    phones = ["13800138000", "13900139000", "13700137000", "13600136000", "13500135000", "13400134000"]
    olds = [key(pk, rng.choice(texts), rng.choice(phones), rng.choice([1, 2, None]), rng.choice(["c7", "c8"]))
            for pk in range(2, 400)]
    olds.append(Key(ticket_id=999, phone=phone_key(phones[0]), category1=1, place="c7", signature=b"short"))
    new = key(1, NOISE, phones[0])
    found = find(new, same_caller=[o for o in olds if o.phone == new.phone], same_place=olds)
    rules = Settings()
    expected_repeats = sorted(((m.similarity, m.ticket_id) for o in olds if o.phone == new.phone
                               if (m := is_repeat(new, o, rules)) is not None), key=lambda p: -p[0])
    assert [(m.similarity, m.ticket_id) for m in found.repeats] == expected_repeats and expected_repeats
    expected_cluster = {o.ticket_id: similarity(new.signature, o.signature) for o in olds
                        if o.place == new.place and similarity(new.signature, o.signature) >= rules.cluster_similarity}
    assert {m.ticket_id: m.similarity for m in found.cluster} == expected_cluster and expected_cluster
    assert 999 not in expected_cluster and found.cluster_callers >= rules.cluster_min_callers
