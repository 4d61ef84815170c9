"""The intake assist's 地址识别: the area the typed address names, with 「填入」 for the three selects."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.orgs.choices import UnitKind
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory

pytestmark = pytest.mark.django_db

LAMP = "小区门口路灯坏了一个月，晚上出行不便"


@pytest.fixture
def assist(client, org):  # noqa: ANN001, ANN201
    client.force_login(Cast.build(lead=org.street_a).intake)

    def _assist(**fields: object) -> str:
        return client.post(reverse("triage-intake-assist"), {"description": LAMP, **fields}).content.decode()
    return _assist


def test_the_recognised_area_is_offered_when_none_is_chosen(assist, org) -> None:  # noqa: ANN001
    html = assist(address="东华门街道多福巷社区5号楼")
    assert "地址识别" in html and "东城区 / 东华门街道 / 多福巷社区" in html
    assert (f'data-district="{org.district.pk}" data-street="{org.street_a.pk}" '
            f'data-community="{org.community_a.pk}"') in html
    assert 'type="button"' in html and "不一致" not in html


def test_nothing_is_said_when_the_chosen_area_agrees(assist, org) -> None:  # noqa: ANN001
    assert "地址识别" not in assist(address="东华门街道", district=org.district.pk, street=org.street_a.pk)
    assert "地址识别" not in assist(address="东城区", district=org.district.pk, street=org.street_b.pk)
    assert "地址识别" not in assist(address="长安街12号")
    # a part chosen: the rest can still be filled in
    html = assist(address="东华门街道多福巷社区", district=org.district.pk)
    assert "填入" in html and "不一致" not in html


def test_a_different_chosen_area_is_pointed_out(assist, org) -> None:  # noqa: ANN001
    html = assist(address="东华门街道", district=org.other_district.pk, street=org.other_street.pk)
    assert "东城区 / 东华门街道" in html and "与已选择的地区不一致" in html and "填入" in html


def test_an_ambiguous_address_lists_the_candidates_without_guessing(assist, org) -> None:  # noqa: ANN001
    HandlingUnitFactory(kind=UnitKind.COMMUNITY, name="多福巷社区", parent=org.street_b)
    html = assist(address="多福巷社区")
    assert "地址识别" in html and "东城区 / 东华门街道 / 多福巷社区" in html and "东城区 / 景山街道 / 多福巷社区" in html
    assert "data-street=\"\"" in html  # only the district is certain


def test_an_address_of_another_city_offers_only_a_candidate_with_a_warning(assist, org) -> None:  # noqa: ANN001
    html = assist(address="湖南省株洲市芦淞区建设中路多福巷社区")
    assert "本市以外的地名" in html and "湖南省、株洲市、芦淞区" in html
    assert "东城区 / 东华门街道 / 多福巷社区" in html and "data-place-fill" not in html
    # said even when the agent already chose an area
    assert "本市以外的地名" in assist(address="B市东华门街道", district=org.district.pk)


def test_a_community_name_alone_is_offered_for_the_agent_to_confirm(assist, org) -> None:  # noqa: ANN001
    html = assist(address="多福巷社区5号楼")
    assert "东城区 / 东华门街道 / 多福巷社区" in html and "data-place-fill" in html and "仅凭社区名" in html
    assert "仅凭社区名" not in assist(address="东华门街道多福巷社区5号楼")
