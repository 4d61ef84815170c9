"""Dispatch recommendation: the catalogue, the classifier and history combined, legal responsibility first."""

from __future__ import annotations

from hotline.intelligence.dispatch import ModelVote, Neighbour, RuleHit, Unit, recommend
from hotline.intelligence.reasons import Reason

HOUSING = Unit(1, "市住房和城乡建设局", "department")
STREET = Unit(2, "A2区桂花坪街道", "street")
COMMUNITY = Unit(3, "向阳社区", "community")
DISTRICT = Unit(4, "A2区人民政府", "district")
TRANSPORT = Unit(5, "市交通运输局", "department")
PROPERTY = RuleHit(rule_id=10, category="城乡建设/住房保障与房地产/物业管理", lead=STREET, area="A2区",
                   legal_basis="街乡镇履职清单", assisting=(DISTRICT,))
BUILDING = RuleHit(rule_id=11, category="城乡建设", lead=HOUSING)
TRAFFIC = RuleHit(rule_id=12, category="交通运输", lead=TRANSPORT)


def test_everyone_agrees_confidence_one_and_a_plain_reason() -> None:
    neighbours = [Neighbour(i, 0.6, STREET) for i in range(16)]
    result = recommend(rule=PROPERTY, votes=[ModelVote("城乡建设", 1.0, PROPERTY)], neighbours=neighbours)
    top = result.top
    assert top is not None and top.unit == STREET and top.confidence == 1.0
    assert top.assisting == (DISTRICT,)
    # worded 「派单目录：城乡建设/住房保障与房地产/物业管理 @ A2区 → A2区桂花坪街道（街乡镇履职清单）；模型分类：城乡建设
    # 100%；相似工单 16/16 最终由该单位办理」 (hotline/routing/tests/test_reasons.py)
    assert top.reasons == (
        Reason.of("dispatch.catalogue", category="城乡建设/住房保障与房地产/物业管理", area="A2区",
                  unit="A2区桂花坪街道", basis="街乡镇履职清单"),
        Reason.of("dispatch.model", classes=[("城乡建设", 1.0)]),
        Reason.of("dispatch.history", similar=16, neighbours=16),
    )
    assert top.reasons[1].as_dict() == {"code": "dispatch.model", "classes": [["城乡建设", 1.0]]}


def test_sources_weigh_in_and_history_can_outvote_the_model() -> None:
    votes = [ModelVote("城乡建设", 0.6, BUILDING), ModelVote("交通运输", 0.4, TRAFFIC)]
    neighbours = [Neighbour(1, 0.5, TRANSPORT)] * 4 + [Neighbour(2, 0.5, HOUSING)]
    result = recommend(rule=None, votes=votes, neighbours=neighbours)
    assert [c.unit for c in result.candidates] == [TRANSPORT, HOUSING]
    total = result.weights["model"] + result.weights["history"]
    assert abs(result.candidates[0].confidence - (0.2 * 0.4 + 0.3 * 0.8) / total) < 0.002
    assert result.rule is None


def test_few_neighbours_weigh_less() -> None:
    one = recommend(rule=None, votes=[], neighbours=[Neighbour(1, 0.9, HOUSING)])
    assert one.weights == {"history": 0.06} and one.top is not None and one.top.confidence == 1.0


def test_functional_matters_are_not_pushed_down_to_the_grassroots() -> None:
    neighbours = [Neighbour(i, 0.5, STREET) for i in range(10)] + [Neighbour(99, 0.5, COMMUNITY)]
    result = recommend(rule=BUILDING, votes=[], neighbours=neighbours)
    assert [c.unit for c in result.candidates] == [HOUSING]  # the street and the community are struck out


def test_communities_never_lead_unless_the_catalogue_says_so() -> None:
    neighbours = [Neighbour(i, 0.5, COMMUNITY) for i in range(5)]
    assert recommend(rule=None, votes=[], neighbours=neighbours).candidates == []
    own = RuleHit(rule_id=13, category="民政/社区服务", lead=COMMUNITY)
    assert recommend(rule=own, votes=[], neighbours=neighbours).top.unit == COMMUNITY


def test_no_source_no_recommendation_and_top_k() -> None:
    assert recommend(rule=None, votes=[ModelVote("其他", 1.0, None)], neighbours=[]).candidates == []
    units = [Unit(100 + i, f"单位{i}", "department") for i in range(5)]
    many = recommend(rule=None, votes=[], neighbours=[Neighbour(i, 0.1 * (i + 1), u) for i, u in enumerate(units)])
    assert len(many.candidates) == 3 and many.top.unit == units[-1]
