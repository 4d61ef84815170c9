"""Fixtures of the Open311 tests: a small taxonomy, public and confidential orders, an app's API key."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hotline.taxonomy.models import Category
from hotline.tickets.models import Ticket


@dataclass
class Catalogue:
    top: Category
    middle: Category
    lamp: Category
    noise: Category


@pytest.fixture
def catalogue(db: None) -> Catalogue:
    from hotline.tickets.tests.factories import CategoryFactory

    top = CategoryFactory(name="城乡建设")
    middle = CategoryFactory(name="市政设施", parent=top)
    return Catalogue(top=top, middle=middle, lamp=CategoryFactory(name="路灯", parent=middle),
                     noise=CategoryFactory(name="噪音", parent=CategoryFactory(name="环境保护", parent=top)))


@pytest.fixture
def app_key(db: None) -> str:
    """The raw key of a citizen app allowed to create orders."""
    from hotline.api.keys import create_key

    return create_key("市民App", ["create", "read"])[1]


@pytest.fixture
def orders(catalogue: Catalogue, frozen_now: object) -> dict[str, Ticket]:
    from hotline.tickets.choices import Status
    from hotline.tickets.tests.factories import make_ticket

    return {
        "open": make_ticket(Status.IN_PROGRESS, category=catalogue.lamp, caller_name="王小明",
                            caller_phone="13812345678", description="路灯不亮，联系电话13812345678",
                            address="东华门大街 1 号"),
        "closed": make_ticket(Status.CLOSED, category=catalogue.noise, caller_name="李四",
                              caller_phone="13900001111"),
        "secret": make_ticket(Status.REGISTERED, category=catalogue.lamp, is_confidential=True,
                              description="保密举报内容"),
    }
