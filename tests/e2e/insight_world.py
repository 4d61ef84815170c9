"""Extra seed data for the supervision, insight and call-centre journeys (`test_insight_journey.py`).

Everything goes through the real services, on top of `world.build_world()`:

- `last_month_orders`: orders registered last month and driven (`make_ticket`) to closed or in
  progress by three city departments, enough for each to be ranked (考核排名) and for the indicators
  (考核指标, which default to last month) and the monthly dashboard to have figures;
- `replied_order`: an order whose reply waits for review (答复质检 has something to say);
- `lamp_cluster`: similar complaints this week from different callers — a hot spot (热点问题);
- `pbx`: a PBX source and the intake agent's extension (坐席), so signed CTI events can pop the screen;
- `post_events`: POST events to the live server's CTI endpoint, signed with the calls app's own helper.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from hotline.calls.models import Agent, PbxSource
from hotline.calls.signing import signed_headers
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket
from tests.e2e.world import World, make_order

#: Last month's orders per department: (unit code, its handler, statuses, category name).
DEPARTMENTS: list[tuple[str, str, list[str], str]] = [
    ("DEPT-ZJ", "zhujian", [Status.CLOSED] * 5, "物业服务"),
    ("DEPT-CG", "chengguan", [Status.CLOSED] * 4 + [Status.IN_PROGRESS], "噪音污染"),
    ("DEPT-RS", "renshe", [Status.CLOSED] * 3 + [Status.IN_PROGRESS] * 2, "工资发放"),
]

#: What last month's callers said (title, description), five per department in the order above.
COMPLAINTS: list[tuple[str, str]] = [
    ("小区电梯多次困人", "金盆岭小区 3 栋电梯本月已困人三次，物业只做临时处理，请住建部门督促彻底检修。"),
    ("物业擅自提高停车费", "德馨园小区物业未经业主大会同意把地面停车费从每月 150 元涨到 300 元。"),
    ("楼顶防水层破损漏水", "杨家山社区 12 栋顶楼每逢下雨天花板漏水，物业以维修基金未批为由拖延。"),
    ("小区消防通道被占用", "新开铺社区某小区消防通道长期停满私家车，物业不管理，存在安全隐患。"),
    ("二次供水水箱未清洗", "大托街道某小区二次供水水箱一年多没有清洗，自来水有异味，请督促物业处理。"),
    ("夜市摊点噪音扰民", "桂花坪街道夜市摊点每晚播放音乐到凌晨一点，附近居民无法入睡。"),
    ("广场舞音响音量过大", "暮云街道文化广场每晚广场舞音响声音很大，临街住户深受其扰。"),
    ("工地夜间违规施工", "大托街道某工地每天夜里十一点后仍在打桩施工，噪音严重扰民。"),
    ("商铺门口占道经营", "新开铺路多家商铺把货架摆到人行道上，行人只能走机动车道。"),
    ("KTV 深夜噪音", "金盆岭路某 KTV 每晚营业到凌晨三点，低音炮震得楼上住户无法休息。"),
    ("餐馆拖欠服务员工资", "本人在某餐馆做服务员四个月，老板拖欠两个月工资共 7000 元不发。"),
    ("公司未缴纳社保", "入职某物流公司半年，公司一直没有给员工缴纳社会保险，请人社部门核查。"),
    ("装修队拖欠农民工工资", "某装修公司承接的工程已完工两个月，12 名工人工资至今未结清。"),
    ("辞职后押金不退", "从某电子厂离职已一个月，入职时交的 500 元押金和最后半个月工资都不给。"),
    ("加班费未按规定支付", "某超市要求员工每周加班两天，只给调休不付加班费，请求依法处理。"),
]

LAMP_TITLE = "新开铺社区路灯不亮"
LAMP_TEXT = "新开铺社区门口的路灯坏了好几天，晚上出行很不方便，请尽快维修路灯。"

PBX_KEY = "e2e-pbx"
PBX_SECRET = "e2e-shared-secret-0123456789"  # noqa: S105 - a test fixture's secret
EXTENSION = "8001"


def last_month() -> date:
    """The first day of last month (local time)."""
    first = timezone.localdate().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def last_month_orders(world: World) -> list[Ticket]:
    """Orders registered on working hours of last month's second week, driven to their status by the units."""
    start = last_month()
    orders = []
    n = 0
    for code, handler, statuses, category in DEPARTMENTS:
        cast = Cast.build(lead=world.unit(code), lead_handler=world.user(handler), intake=world.user("agent1"),
                          dispatcher=world.user("dispatcher"), inspector=world.user("inspector"),
                          supervisor=world.user("supervisor"))
        for status in statuses:
            moment = timezone.make_aware(datetime.combine(start + timedelta(days=7 + n % 5), datetime.min.time())
                                         + timedelta(hours=9, minutes=7 * n))
            orders.append(make_ticket(status, cast=cast, at=moment, category=world.category(category),
                                      title=COMPLAINTS[n][0], description=COMPLAINTS[n][1],
                                      caller_name="市民", caller_phone=f"1370731{n:04d}",
                                      district=world.unit("D-A2")))
            n += 1
    return orders


def replied_order(world: World) -> Ticket:
    """A wage complaint the department has answered with a reply that misses the point, waiting for review."""
    cast = Cast.build(lead=world.unit("DEPT-RS"), lead_handler=world.user("renshe"), intake=world.user("agent1"),
                      dispatcher=world.user("dispatcher"), inspector=world.user("inspector"),
                      supervisor=world.user("supervisor"))
    return make_ticket(Status.REPLIED, cast=cast, category=world.category("工资发放"), title="超市拖欠三个月工资",
                       description="本人在某超市做理货员，老板拖欠三个月工资共 9000 元，多次讨要无果，请求人社部门帮助。",
                       caller_name="赵先生", caller_phone="13707319999", district=world.unit("D-A2"))


def lamp_cluster(world: World, count: int = 6) -> list[Ticket]:
    """`count` complaints about the same broken street lamp, from different callers, registered now."""
    return [make_order(world, LAMP_TEXT, title=LAMP_TITLE, lead="S-A2-01", district=world.unit("D-A2"),
                       street=world.unit("S-A2-01"), category=world.category("城市公共设施"),
                       phone=f"1580731{i:04d}", address="桂花坪街道新开铺社区门口")
            for i in range(count)]


@dataclass
class Pbx:
    """The PBX source the test posts as, and the live server to post to."""

    source: PbxSource
    url: str

    def post(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        """POST signed events to /cti/v1/events; the endpoint's JSON answer (which must be a 200)."""
        body = json.dumps({"events": events}).encode()
        headers = {"Content-Type": "application/json",
                   **signed_headers(self.source.key, self.source.secret, body)}
        request = urllib.request.Request(f"{self.url}/cti/v1/events", data=body, headers=headers,  # noqa: S310
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - the live test server
                answer = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"CTI endpoint answered {exc.code}: {exc.read()[:500]!r}") from exc
        assert not answer["rejected"], answer
        return answer


def pbx(world: World, url: str, *, agent: str = "agent1") -> Pbx:
    """A PBX source, and the agent's extension mapped to the person (as an administrator does in the admin)."""
    source = PbxSource.objects.create(key=PBX_KEY, name="测试交换机", secret=PBX_SECRET)
    Agent.objects.create(extension=EXTENSION, user=world.user(agent), name=world.user(agent).display_name)
    return Pbx(source=source, url=url)


def event(event_id: str, kind: str, at: datetime, **fields: Any) -> dict[str, Any]:
    """One CTI event, its time in ISO-8601 with the offset."""
    return {"id": event_id, "type": kind, "at": timezone.localtime(at).isoformat(), **fields}
