"""Triage's reasons follow the reader's language (研判依据的界面语言): stored structured, worded on the page.

Each kind of reason — an urgency rule's hit, the category prior, a repeat, the 不合理诉求 signals, the dispatch
recommendation's reasons — reads in Chinese by default and in English with the language cookie, on the
intake assist panel and on the order page. The data the centre typed (rule, category and unit names) and
the citizen's words stay as typed. Reasons stored earlier as Chinese sentences are shown as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from hotline.intelligence import urgency
from hotline.intelligence.reasons import Reason
from hotline.routing.models import DispatchRecommendation, DispatchRule
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import NOW, Cast, make_ticket
from hotline.triage.models import RepeatLink, UrgencyAssessment
from hotline.triage.reasons import KIND_LABELS, describe_hint_level, describe_reason

NOISE = "向阳小区3栋楼下的烧烤摊每天晚上营业到凌晨两点，油烟和噪音严重扰民，多次反映无人处理。"
GAS = "家里厨房煤气泄漏了，闻到很浓的煤气味"
CLAIM = "邻居借钱不还，要求政府出钱帮我还债，还要赔偿我50万元"


@pytest.fixture(autouse=True)
def _restore_language() -> Iterator[None]:
    """LocaleMiddleware leaves the request's language active in the thread: do not leak English."""
    before = translation.get_language()
    yield
    translation.activate(before) if before else translation.deactivate()


def _in(language: str, reason: object) -> str:
    with translation.override(language):
        return describe_reason(reason)  # type: ignore[arg-type]


# --- the wording, code by code ------------------------------------------------------------------------------

#: Every code triage words, its Chinese (unchanged from the sentences the algorithms used to build) and English.
CASES = [
    (Reason.of("urgency.hit", kind="fire", words=("车辆着火",), rule="空匹配"),
     "火情：命中「车辆着火」（规则：空匹配）", "Fire: matched “车辆着火” (rule: 空匹配)"),
    (Reason.of("urgency.hit", kind="gas", words=("煤气泄漏", "煤气味"), rule="燃气泄漏"),
     "燃气泄漏：命中「煤气泄漏、煤气味」（规则：燃气泄漏）", "Gas leak: matched “煤气泄漏, 煤气味” (rule: 燃气泄漏)"),
    (Reason.of("urgency.hit", kind="weather", words=("台风",), rule="台风"),
     "weather：命中「台风」（规则：台风）", "weather: matched “台风” (rule: 台风)"),
    (Reason.of("urgency.prior", category="自来水供应"), "分类先验：自来水供应属水电气热，至少较急",
     "Category prior: 自来水供应 is a utility matter (water, power, gas, heating), so at least fairly urgent"),
    (Reason.of("urgency.prior", category=""), "分类先验：水电气热属水电气热，至少较急",
     "Category prior: Utilities is a utility matter (water, power, gas, heating), so at least fairly urgent"),
    (Reason.of("repeat.same_caller", similarity=0.34375), "同一来电人，诉求内容相似度 34%",
     "Same caller, request 34% alike"),
    (Reason.of("repeat.same_place", similarity=0.25), "同一来电人，同一分类、同一地点，内容相似度 25%",
     "Same caller, same category and place, text 25% alike"),
    (Reason.of("cluster.same_place", similarity=0.5), "同一地点，内容相似度 50%", "Same place, text 50% alike"),
    (Reason.of("unreasonable.repeat_answered", times=3, answered=2), "同一诉求已反映 3 次，其中 2 次已依法依规答复",
     "The same request was made 3 times, 2 of them answered according to law and policy"),
    (Reason.of("unreasonable.repeat", times=4), "同一诉求已反映 4 次", "The same request was made 4 times"),
    (Reason.of("unreasonable.outside_duty", words="借钱不还"),
     "可能不属于政府职责范围（「借钱不还」），宜引导通过法定途径解决",
     "Possibly outside the government's duties (“借钱不还”); better guided to the legal channels"),
    (Reason.of("unreasonable.against_rules", words="特批"), "诉求可能与法律法规或政策相悖（「特批」）",
     "The request may run against laws, regulations or policy (“特批”)"),
    (Reason.of("unreasonable.compensation_amount", yuan=500_000.0), "索赔金额较高（约 50 万元）",
     "High compensation claimed (about 50 × 10,000 yuan)"),
    (Reason.of("unreasonable.compensation_amount", yuan=125_000.0), "索赔金额较高（约 12.5 万元）",
     "High compensation claimed (about 12.5 × 10,000 yuan)"),
    (Reason.of("unreasonable.compensation_claim", words="精神损失费"), "提出「精神损失费」等赔偿要求",
     "Claims compensation such as “精神损失费”"),
    (Reason.of("unreasonable.unsatisfied_history", times=2), "同一诉求 2 次答复已解决但评价不满意",
     "Replied as resolved 2 times on the same request, yet rated unsatisfied"),
    (Reason.of("unreasonable.leverage", words="不解决就一直打"), "以满意度评价施压（「不解决就一直打」）",
     "Uses the satisfaction rating as leverage (“不解决就一直打”)"),
]


@pytest.mark.parametrize(("reason", "chinese", "english"), CASES, ids=[c[0].code for c in CASES])
def test_each_reason_reads_in_chinese_and_in_english(reason: Reason, chinese: str, english: str) -> None:
    assert _in("zh-hans", reason) == chinese
    assert _in("en", reason) == english
    stored = reason.as_dict()  # what the JSON field keeps, read back
    assert Reason.from_dict(stored) == reason and _in("en", stored) == english and _in("zh-hans", stored) == chinese


def test_a_plain_string_stored_earlier_and_an_unknown_code() -> None:
    assert _in("en", "燃气泄漏：命中「煤气」（规则：燃气）") == "燃气泄漏：命中「煤气」（规则：燃气）"
    assert _in("en", {"code": "urgency.someday"}) == "urgency.someday" and _in("en", None) == ""


def test_the_kind_labels_match_the_rule_kinds() -> None:
    assert set(KIND_LABELS) == set(urgency.KINDS)
    with translation.override("zh-hans"):
        assert {k: str(v) for k, v in KIND_LABELS.items()} == urgency.KINDS
    with translation.override("en"):
        assert not any("\u4e00" <= ch <= "\u9fff" for label in KIND_LABELS.values() for ch in str(label))


def test_the_hint_levels() -> None:
    assert [describe_hint_level(x) for x in ("较高", "中", "低")] == ["较高", "中", "低"]
    with translation.override("en"):
        assert [describe_hint_level(x) for x in ("较高", "中", "低", "?")] == ["High", "Medium", "Low", "?"]


# --- on the pages -----------------------------------------------------------------------------------------


@pytest.fixture
def cast(org):  # noqa: ANN001, ANN201
    return Cast.build(lead=org.street_a)


@pytest.fixture
def make(org, cast, django_capture_on_commit_callbacks):  # noqa: ANN001, ANN201
    def _make(description: str = NOISE, *, status: str = Status.PENDING_DISPATCH, phone: str = "13800138000",
              at=NOW, **draft):  # noqa: ANN001, ANN003, ANN202
        draft = {"district": org.district, "street": org.street_a, "community": org.community_a} | draft
        with django_capture_on_commit_callbacks(execute=True):
            return make_ticket(status, cast=cast, at=at, description=description, caller_phone=phone, **draft)
    return _make


def _client(user, language: str = "") -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def water(org):  # noqa: ANN001, ANN201
    """A utility category with a catalogue entry for the district: the street leads."""
    category = Category.objects.create(name="自来水供应", level=1, full_name="自来水供应", is_utility=True)
    DispatchRule.objects.create(category=category, area=org.district, lead_unit=org.street_a, legal_basis="履职清单")
    return category


def test_the_intake_assist_words_its_reasons_in_the_readers_language(client, org, cast, make, water,  # noqa: ANN001
                                                                     frozen_now) -> None:  # noqa: ANN001
    earlier = make()
    url = reverse("triage-intake-assist")
    place = {"district": org.district.pk, "street": org.street_a.pk, "community": org.community_a.pk}
    typed = {"description": NOISE, "phone": "13800138000", "category": water.pk, **place}
    zh = _client(cast.intake).post(url, typed).content.decode()
    en = _client(cast.intake, "en").post(url, typed).content.decode()
    # the category prior, the repeat and the recommended unit's catalogue entry
    assert "分类先验：自来水供应属水电气热，至少较急" in zh and "较急" in zh
    assert "Category prior: 自来水供应 is a utility matter" in en and "Fairly urgent" in en
    assert earlier.number in zh and "同一来电人，诉求内容相似度 97%" in zh
    assert earlier.number in en and "Same caller, request 97% alike" in en
    assert "派单目录：自来水供应 @ 东城区 → 东华门街道（履职清单）" in zh
    assert "Dispatch catalogue: 自来水供应 @ 东城区 → 东华门街道 (履职清单)" in en
    assert "分类先验" not in en and "同一来电人" not in en and "派单目录：" not in en
    # an urgency rule's hit
    zh = _client(cast.intake).post(url, {"description": GAS}).content.decode()
    en = _client(cast.intake, "en").post(url, {"description": GAS}).content.decode()
    assert "燃气泄漏：命中「煤气泄漏" in zh and "（规则：" in zh and "紧急" in zh
    assert "Gas leak: matched “煤气泄漏" in en and "(rule: " in en and "Urgent" in en and "命中" not in en


def test_the_order_page_words_stored_reasons_in_the_readers_language(org, cast, make, water) -> None:  # noqa: ANN001
    first = make()
    again = make(category=water, at=NOW + timedelta(hours=2))  # the same caller on the same matter, a utility
    assert UrgencyAssessment.objects.get(ticket=again).reasons == [{"code": "urgency.prior", "category": "自来水供应"}]
    link = RepeatLink.objects.get(ticket=again)
    assert link.reason_data["code"] == "repeat.same_caller" and not link.reason
    link.reason_data = {"code": "repeat.same_place", "similarity": 0.25}  # as alike as the rules need
    link.save(update_fields=["reason_data"])
    page = reverse("order-detail", args=[again.number])
    zh = _client(cast.dispatcher).get(page).content.decode()
    en = _client(cast.dispatcher, "en").get(page).content.decode()
    assert "分类先验：自来水供应属水电气热，至少较急" in zh
    assert "Category prior: 自来水供应 is a utility matter (water, power, gas, heating)" in en
    assert "同一来电人，同一分类、同一地点，内容相似度 25%" in zh
    assert "Same caller, same category and place, text 25% alike" in en
    # the dispatch panel: the recommendation stored at registration
    assert "派单目录：自来水供应 @ 东城区 → 东华门街道（履职清单）" in zh
    assert "Dispatch catalogue: 自来水供应 @ 东城区 → 东华门街道 (履职清单)" in en
    assert "分类先验" not in en and "同一来电人" not in en and "派单目录：" not in en
    # the later order, seen from the first one
    first_page = reverse("order-detail", args=[first.number])
    assert "Same caller, same category and place, text 25% alike" in _client(cast.dispatcher, "en").get(
        first_page).content.decode()
    # an urgency rule's hit
    gas = make(GAS, phone="13900000001", status=Status.REGISTERED)
    page = reverse("order-detail", args=[gas.number])
    zh = _client(cast.dispatcher).get(page).content.decode()
    en = _client(cast.dispatcher, "en").get(page).content.decode()
    assert "燃气泄漏：命中「煤气泄漏" in zh and "（规则：" in zh
    assert "Gas leak: matched “煤气泄漏" in en and "(rule: " in en and "命中" not in en


def test_the_unreasonable_claim_hint_in_the_readers_language(cast, make) -> None:  # noqa: ANN001
    ticket = make(CLAIM, status=Status.IN_PROGRESS)
    page = reverse("order-detail", args=[ticket.number])
    zh = _client(cast.lead_handler).get(page).content.decode()
    en = _client(cast.lead_handler, "en").get(page).content.decode()
    assert "不合理诉求提示" in zh and "可能不属于政府职责范围（「借钱不还」），宜引导通过法定途径解决" in zh
    assert "索赔金额较高（约 50 万元）" in zh and "（中）" in zh
    assert "Possibly outside the government's duties (“借钱不还”)" in en.replace("&#x27;", "'")
    assert "High compensation claimed (about 50 × 10,000 yuan)" in en and "(Medium)" in en
    assert "宜引导" not in en and "索赔金额" not in en


def test_reasons_stored_as_chinese_sentences_are_shown_as_they_are(org, cast, make) -> None:  # noqa: ANN001
    first = make()
    again = make(at=NOW + timedelta(hours=2))
    UrgencyAssessment.objects.filter(ticket=again).update(reasons=["燃气泄漏：命中「煤气」（规则：旧规则）"])
    RepeatLink.objects.filter(ticket=again).update(reason="同一来电人，诉求内容相似度 88%", reason_data={})
    DispatchRecommendation.objects.filter(ticket=again).update(top3=[{
        "unit_id": org.street_a.pk, "name": org.street_a.name, "kind": org.street_a.kind, "confidence": 0.9,
        "reason": "派单目录：旧条目 → 东华门街道", "parts": {"rule": 1.0}, "assisting": [], "assisting_names": []}])
    page = reverse("order-detail", args=[again.number])
    for language in ("", "en"):
        html = _client(cast.dispatcher, language).get(page).content.decode()
        assert "燃气泄漏：命中「煤气」（规则：旧规则）" in html
        assert "同一来电人，诉求内容相似度 88%" in html
        assert "派单目录：旧条目 → 东华门街道" in html
    assert first.number in html


def test_the_admin_lists_repeat_links_with_their_reasons(admin_client, make) -> None:  # noqa: ANN001
    make()
    make(at=NOW + timedelta(hours=1))
    make(at=NOW + timedelta(hours=2))
    old = RepeatLink.objects.order_by("created_at", "ticket__registered_at").first()
    RepeatLink.objects.filter(pk=old.pk).update(reason="旧的依据：同一来电人", reason_data={})
    html = admin_client.get(reverse("admin:triage_repeatlink_changelist")).content.decode()
    assert "旧的依据：同一来电人" in html and "同一来电人，诉求内容相似度" in html
