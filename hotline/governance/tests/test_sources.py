"""Where a theme comes from: a hot spot's window named in the current (the centre's) time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from hotline.governance.sources import window_label
from hotline.hotspots.choices import RunKind
from hotline.hotspots.models import HotspotRun


def test_the_window_is_named_in_the_current_time_zone() -> None:
    march = HotspotRun(kind=RunKind.MONTH, start=datetime(2025, 2, 28, 16, tzinfo=UTC),
                       end=datetime(2025, 3, 31, 16, tzinfo=UTC))
    days = HotspotRun(kind=RunKind.WEEK, start=datetime(2025, 3, 2, 16, tzinfo=UTC),
                      end=datetime(2025, 3, 9, 16, tzinfo=UTC))
    assert (window_label(march), window_label(days)) == ("2025-03", "2025-W10")  # Asia/Shanghai, the setting
    with timezone.override("UTC"):
        assert (window_label(march), window_label(days)) == ("2025-02", "2025-W09")  # Sunday 2 March, 16:00


def test_keywords_are_the_problem_not_the_place() -> None:
    from hotline.governance.sources import keywords_from

    found = keywords_from("C3县易俗河镇花果山名府南苑噪音扰民")
    assert any("噪音" in word for word in found)  # jieba keeps 噪音扰民 as one word
    assert not {"南苑", "名府", "易俗河镇"} & set(found)
    assert keywords_from("小区电动车充电难") == ["电动车", "充电"]


@pytest.mark.parametrize(("title", "wanted", "unwanted"), [
    ("充电线路短路起火", {"短路"}, set()),
    ("幼儿园乱收费", {"幼儿园", "乱收费"}, set()),
    ("最近小区物业容易断水", {"断水"}, {"最近", "容易"}),
    ("高层住宅二次供水水压不足", {"水压"}, {"不足"}),
])
def test_keywords_are_the_rare_words(title: str, wanted: set[str], unwanted: set[str]) -> None:
    from hotline.governance.sources import keywords_from

    found = set(keywords_from(title))
    assert wanted <= found and not unwanted & found
