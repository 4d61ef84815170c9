"""End-to-end 工单更正 in the browser: the agent put a 大托街道 matter under 桂花坪街道 and the wrong category; the
dispatcher, having called the citizen back, corrects the place (the street list follows the district and the
community list empties) and the category, and the timeline lists each change.

Only the step form, the selects' options, the status and the timeline are asserted on.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import login
from tests.e2e.test_consultation_journey import timeline
from tests.e2e.test_journeys import expect_status, nav, open_order, submit
from tests.e2e.world import World, make_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

expect.set_options(timeout=10_000)


def test_the_dispatcher_corrects_place_and_category(page: Page, world: World) -> None:
    order = make_order(world, "小区门口人行道被摊贩占用，早晚高峰行人只能走机动车道，很危险。",
                       title="小区门口占道经营", category=world.category("物业服务"), district=world.unit("D-A2"),
                       street=world.unit("S-A2-01"), address="新开铺路 21 号")
    login(page, "dispatcher")
    nav(page, "派单队列")
    open_order(page, order.number)
    expect_status(page, "待派单")

    correct = page.locator("details[data-action='correct']")
    correct.locator("summary").click()
    street, community = correct.locator("select[name='correct-street']"), correct.locator(
        "select[name='correct-community']")
    expect(street.locator("option:checked")).to_have_text("A2区桂花坪街道")  # the form starts from the order
    community.select_option(label="新开铺社区")
    # Another street of the district: its communities are loaded, the old one is gone.
    with page.expect_response(lambda r: "/areas/" in r.url):
        street.select_option(label="A2区大托街道")
    expect(community.locator("option", has_text="金盆岭社区")).to_have_count(1)
    expect(community.locator("option", has_text="新开铺社区")).to_have_count(0)
    community.select_option(label="金盆岭社区")
    correct.locator("select[name='correct-category']").select_option(label="城市建设和市政管理/城管执法")
    correct.locator("[name='correct-reason']").fill("回拨来电人核实：地点在大托街道金盆岭社区，属占道经营")
    submit(page, correct.locator("button[type=submit]"))

    expect(page.locator("ul.messages")).to_contain_text("工单更正：已完成")
    expect_status(page, "待派单")
    row = timeline(page, "工单更正")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("街道/乡镇：A2区桂花坪街道 → A2区大托街道")
    expect(row).to_contain_text("社区/村：（空） → 金盆岭社区")
    expect(row).not_to_contain_text("疑难")  # untouched fields are not changed
    expect(row).to_contain_text("城管执法")
    expect(row).to_contain_text("更正原因：回拨来电人核实")
