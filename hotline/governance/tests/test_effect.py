"""治理成效: matching orders per month, the baseline before the theme and the average since."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine

from hotline.accounts.choices import Role
from hotline.governance import services
from hotline.governance.effect import effect, matching
from hotline.orgs.choices import UnitKind
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import SHANGHAI, Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db


def _category(name: str, parent: Category | None = None) -> Category:
    level = 1 if parent is None else parent.level + 1
    return Category.objects.create(name=name, parent=parent, level=level,
                                   full_name=f"{parent.full_name}/{name}" if parent else name)


def _orders(cast: Cast, when: datetime, n: int, **draft) -> None:  # noqa: ANN003
    for _ in range(n):
        make_ticket(Status.REGISTERED, cast=cast, at=when, **draft)


def test_monthly_counts_before_and_after(cast: Cast) -> None:
    top = _category("城乡建设")
    leaf = _category("充电设施", _category("小区管理", top))
    other = _category("交通")
    district = cast.lead.parent
    elsewhere = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    _orders(cast, datetime(2024, 6, 3, 9, tzinfo=SHANGHAI), 1, category=other)  # the platform ran before
    for month, n in [(12, 6), (1, 4), (2, 5)]:  # the baseline: 5 a month
        year = 2024 if month == 12 else 2025
        _orders(cast, datetime(year, month, 10, 9, tzinfo=SHANGHAI), n, category=leaf, district=district,
                description="电动车充电难")
    _orders(cast, datetime(2025, 3, 5, 9, tzinfo=SHANGHAI), 7, category=leaf, district=district, description="充电桩坏")
    _orders(cast, datetime(2025, 4, 5, 9, tzinfo=SHANGHAI), 2, category=leaf, district=district, description="充电")
    _orders(cast, datetime(2025, 4, 6, 9, tzinfo=SHANGHAI), 3, category=other, district=district, description="充电")
    _orders(cast, datetime(2025, 4, 7, 9, tzinfo=SHANGHAI), 3, category=leaf, district=elsewhere, description="充电")
    _orders(cast, datetime(2025, 5, 2, 9, tzinfo=SHANGHAI), 1, category=leaf, district=district, description="充电")
    with time_machine.travel(datetime(2025, 3, 20, 10, tzinfo=SHANGHAI), tick=False):
        theme = services.adopt(actor=UserFactory(role=Role.LEADER), title="充电难", problem="集中反映",
                               month=date(2025, 3, 1), lead=cast.lead, due_date=date(2025, 6, 30),
                               category=top, district=district)
    result = effect(theme, now=datetime(2025, 5, 15, 10, tzinfo=SHANGHAI))
    assert [(m.label, m.orders, m.partial) for m in result.months] == [
        ("2024-12", 6, False), ("2025-01", 4, False), ("2025-02", 5, False), ("2025-03", 7, False),
        ("2025-04", 2, False), ("2025-05", 1, True)]
    assert result.before == 5 and result.after == 2 and result.change == pytest.approx(-0.6)
    assert not result.baseline_short and not any(m.partial_start for m in result.months)


def test_keywords_and_nothing_to_measure(cast: Cast) -> None:
    with time_machine.travel(datetime(2025, 3, 20, 10, tzinfo=SHANGHAI), tick=False):
        leader = UserFactory(role=Role.LEADER)
        plain = services.adopt(actor=leader, title="t", problem="p", month=date(2025, 3, 1), lead=cast.lead,
                               due_date=date(2025, 6, 30))
        worded = services.adopt(actor=leader, title="t", problem="p", month=date(2025, 3, 1), lead=cast.lead,
                                due_date=date(2025, 6, 30), keywords="噪音，广场舞")
        _orders(cast, datetime(2025, 3, 20, 9, tzinfo=SHANGHAI), 2, description="晚上广场舞扰民")
        _orders(cast, datetime(2025, 3, 20, 9, tzinfo=SHANGHAI), 1, description="路灯不亮")
    assert not effect(plain).measurable and effect(plain).months == []
    assert worded.keyword_list == ["噪音", "广场舞"]
    march = [m for m in effect(worded, now=datetime(2025, 3, 25, tzinfo=SHANGHAI)).months if m.label == "2025-03"]
    assert march[0].orders == 2 and march[0].partial
    assert effect(worded, now=datetime(2025, 3, 25, tzinfo=SHANGHAI)).after is None
    assert bool(matching(worded))


def _theme(cast: Cast, category: Category) -> object:
    with time_machine.travel(datetime(2025, 3, 20, 10, tzinfo=SHANGHAI), tick=False):
        return services.adopt(actor=UserFactory(role=Role.LEADER), title="充电难", problem="集中反映",
                              month=date(2025, 3, 1), lead=cast.lead, due_date=date(2025, 6, 30), category=category)


def test_the_baseline_starts_with_the_platforms_first_orders(cast: Cast) -> None:
    """Months before the first order are not counted as 0 (no +1200 %); a first month begun mid-way is
    marked and left out of the baseline."""
    leaf = _category("充电设施")
    _orders(cast, datetime(2025, 1, 20, 9, tzinfo=SHANGHAI), 2, category=leaf)  # the platform starts mid-January
    _orders(cast, datetime(2025, 2, 10, 9, tzinfo=SHANGHAI), 1, category=leaf)
    _orders(cast, datetime(2025, 4, 10, 9, tzinfo=SHANGHAI), 13, category=leaf)
    result = effect(_theme(cast, leaf), now=datetime(2025, 5, 15, 10, tzinfo=SHANGHAI))
    assert [(m.label, m.orders, m.partial_start) for m in result.months] == [
        ("2025-01", 2, True), ("2025-02", 1, False), ("2025-03", 0, False), ("2025-04", 13, False),
        ("2025-05", 0, False)]  # no 2024-12: the platform had no orders yet
    assert [m.label for m in result.baseline] == ["2025-02"]
    assert result.baseline_short and result.before is None and result.change is None


def test_a_baseline_of_two_whole_months(cast: Cast) -> None:
    leaf = _category("充电设施")
    _orders(cast, datetime(2024, 12, 1, 0, 0, tzinfo=SHANGHAI), 1, category=leaf)  # the very start of December
    _orders(cast, datetime(2025, 1, 10, 9, tzinfo=SHANGHAI), 3, category=leaf)
    _orders(cast, datetime(2025, 4, 10, 9, tzinfo=SHANGHAI), 1, category=leaf)
    result = effect(_theme(cast, leaf), now=datetime(2025, 5, 15, 10, tzinfo=SHANGHAI))
    assert [m.label for m in result.baseline] == ["2024-12", "2025-01", "2025-02"]  # December is whole
    assert not result.baseline_short and result.before == pytest.approx(4 / 3)
    assert result.change == pytest.approx((1 - 4 / 3) / (4 / 3))


def test_a_latin_keyword_ignores_case(cast: Cast) -> None:
    """ETC, etc. and Etc count alike, on SQLite as on PostgreSQL (whose LIKE is case-sensitive)."""
    with time_machine.travel(datetime(2025, 3, 20, 10, tzinfo=SHANGHAI), tick=False):
        theme = services.adopt(actor=UserFactory(role=Role.LEADER), title="t", problem="p", month=date(2025, 3, 1),
                               lead=cast.lead, due_date=date(2025, 6, 30), keywords="etc")
        _orders(cast, datetime(2025, 3, 20, 9, tzinfo=SHANGHAI), 1, description="高速 ETC 扣费两次")
        _orders(cast, datetime(2025, 3, 20, 9, tzinfo=SHANGHAI), 1, title="Etc 通行费")
        _orders(cast, datetime(2025, 3, 20, 9, tzinfo=SHANGHAI), 1, description="etc 设备坏")
        _orders(cast, datetime(2025, 3, 20, 9, tzinfo=SHANGHAI), 1, description="路灯不亮")
    march = [m for m in effect(theme, now=datetime(2025, 3, 25, tzinfo=SHANGHAI)).months if m.label == "2025-03"]
    assert march[0].orders == 3
