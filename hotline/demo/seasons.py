"""The demo centre's archive of last year (往年工单), so that seasonal early warnings (季节性预警) have past years.

Closed historical orders registered from ARCHIVE_FROM_DAYS to ARCHIVE_TO_DAYS days ago (nothing in the live
demo's 90 days, nor in the second-return-visit window), with the seasons of a real centre: heating in
winter, drainage and power in the summer rains, noise before 高考, school places in July–September,
catkins in April–May, icy roads in January, scenic spots at the holidays, graves at 清明, the residents'
medical insurance's payment season in the autumn. Their texts are real messages
that mention the season's words (a short list of written ones where the messages hold too few).

They are written by the historical import service (`hotline.dataio.services.Writer`: closed orders with
their timeline, import records, dashboards' rollups), with source ARCHIVE_SOURCE; an archive already
loaded is not loaded again. Each order's district is set before it is written (the import formats carry
no district).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import cycle

from hotline.dataio.models import ImportedRecord
from hotline.dataio.rows import SourceOrder, check
from hotline.dataio.services import BATCH, Resolver, Writer
from hotline.demo.classify import lead_code
from hotline.demo.messages import Message, derive_title
from hotline.demo.orders import TZ
from hotline.demo.orgs import DISTRICTS, CityUnits
from hotline.tickets.choices import Channel, Status

ARCHIVE_SOURCE = "demo-archive"
#: The archive's orders were registered between these many days ago (≈ 15 months to ≈ 3 months).
ARCHIVE_FROM_DAYS, ARCHIVE_TO_DAYS = 455, 100
#: Each archived order was closed within this many days.
CLOSE_WITHIN_DAYS = 6


@dataclass(frozen=True)
class Season:
    """A problem that comes back every year: its category, orders a year, weight of each month (Jan–Dec),
    the districts it concentrates in (empty: all alike), the words its messages mention, written texts."""

    category: str
    per_year: int
    months: tuple[float, ...]
    words: tuple[str, ...]
    districts: tuple[str, ...] = ()
    written: tuple[str, ...] = ()


SEASONS: tuple[Season, ...] = (
    Season("城乡建设/城市建设和市政管理/冬季采暖", 420, (9, 5, 2.5, 0.3, 0.1, 0.1, 0.1, 0.1, 0.3, 1.5, 11, 11),
           ("暖气", "供暖", "采暖", "供热"), ("A1", "A2", "A4"),
           ("小区暖气不热，室内温度只有十四五度，老人孩子受不了，请供热公司尽快排查。",
            "我家暖气片上热下凉，打电话给热力公司一直没人上门，请督促维修。")),
    Season("城乡建设/城市建设和市政管理/基础设施", 280, (0.4, 0.4, 0.8, 1, 2, 5, 10, 8, 2, 0.6, 0.4, 0.4),
           ("积水", "排水", "下水道", "内涝", "雨水"), ("A3", "A5"),
           ("每逢下雨路口积水严重，排水口堵塞，行人车辆无法通行，请尽快疏通。",)),
    Season("环境保护/环境污染/噪音污染", 230, (1, 0.8, 1, 1, 2, 6, 2.5, 2, 1, 1, 0.8, 0.8),
           ("噪音", "噪声", "扰民", "高考")),
    Season("教育文体/考试招生/招生录取", 200, (0.4, 0.4, 0.5, 1, 1.5, 2, 7, 9, 5, 0.5, 0.4, 0.4),
           ("入学", "招生", "学位", "报名")),
    Season("城乡建设/城市建设和市政管理/园林绿化", 170, (0.5, 0.5, 2, 9, 7, 1, 0.8, 0.8, 0.8, 0.8, 0.5, 0.5),
           ("飞絮", "杨絮", "柳絮", "绿化", "树木"), (),
           ("小区杨柳飞絮严重，孩子过敏咳嗽，请园林部门对杨柳树进行治理。",)),
    Season("交通运输/建设管理/设施维护", 130, (10, 4, 0.5, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 1, 5),
           ("结冰", "冰雪", "积雪", "路滑", "除雪"), ("A4", "A6"),
           ("下雪后路面结冰一直没人清理，已经有老人摔倒，请尽快除雪撒盐。",
            "桥面和坡道积雪结冰，车辆打滑，请安排除冰。")),
    Season("城乡建设/城市建设和市政管理/电力供应", 170, (1, 1, 1, 1, 1.5, 3, 7, 7, 2, 1, 1, 1),
           ("停电", "供电")),
    Season("商贸旅游/旅游管理/景区管理", 130, (1, 3, 1, 2, 6, 1, 3, 3, 1, 7, 1, 1),
           ("景区", "旅游", "门票")),
    Season("民政/社会服务/殡葬管理", 110, (0.5, 0.5, 4, 9, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5),
           ("殡葬", "墓", "祭扫", "清明"), (),
           ("清明祭扫期间公墓周边道路拥堵，停车难，请增派人员疏导。",)),
    Season("劳动和社会保障/城镇居民社会保险/城镇居民医疗保险", 180,
           (0.8, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 2, 7, 8, 5), ("居民医保", "医保", "缴费")),
)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; the means here are small)."""
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _texts(season: Season, messages: list[Message]) -> list[tuple[str, str]]:
    """(title, text) of the real messages that mention the season's words, then its written texts."""
    found = [(m.title, m.text) for m in messages if any(w in m.text for w in season.words)]
    return found + [(derive_title("", t), t) for t in season.written]


def plan_archive(now: datetime, seed: int, messages: list[Message],
                 scale: float = 1.0) -> list[tuple[Season, date, str, str, str]]:
    """(season, day, district key, title, text) of every archived order, deterministic for a seed; `scale`
    multiplies every season's orders (a demo with fewer live orders has a smaller archive)."""
    rng = random.Random(seed * 7 + 1)
    today = now.astimezone(TZ).date()
    texts = {s.category: cycle(_texts(s, messages) or [("—", s.category)]) for s in SEASONS}
    found = []
    day = today - timedelta(days=ARCHIVE_FROM_DAYS)
    while day < today - timedelta(days=ARCHIVE_TO_DAYS):
        for season in SEASONS:
            mean = scale * season.per_year / 365 * season.months[day.month - 1] * 12 / sum(season.months)
            for _ in range(_poisson(rng, mean)):
                where = rng.choice(season.districts) if season.districts and rng.random() < 0.7 \
                    else rng.choice(list(DISTRICTS))
                title, text = next(texts[season.category])
                found.append((season, day, where, title, text))
        day += timedelta(days=1)
    return found


def load_archive(*, now: datetime, seed: int, city: CityUnits, messages: list[Message],
                 scale: float = 1.0) -> int:
    """Write last year's closed orders through the import service, once; returns how many were written.

    `scale` 1 suits the default demo (2000 live orders); the loader scales it with the live orders.
    """
    if ImportedRecord.objects.filter(source=ARCHIVE_SOURCE).exists():
        return 0
    rng = random.Random(seed)
    writer = Writer(ARCHIVE_SOURCE, None, Resolver())
    planned, written = [], 0
    for line, (season, day, where, title, text) in enumerate(plan_archive(now, seed, messages, scale), start=1):
        at = datetime.combine(day, time(rng.randint(8, 20), rng.randrange(60)), tzinfo=TZ)
        closed = at + timedelta(days=rng.uniform(0.5, CLOSE_WITHIN_DAYS))
        district = city.district(where)
        code = lead_code(writer.resolver.categories.get(season.category), text)
        unit = district if code in ("STREET", "DISTRICT") else city[code]
        order = check(SourceOrder(
            line=line, external_id=f"{ARCHIVE_SOURCE}-{line}", description=text, title=title,
            registered_at=at, status=Status.CLOSED, channel=Channel.PHONE, request_type="complaint",
            category_path=tuple(season.category.split("/")), unit_name=unit.name,
            reply_text=f"已收悉，{unit.name}已安排人员现场处理，问题已解决。", replied_at=closed, closed_at=closed,
            address=f"A市{where}区"))
        one = writer.plan(order)
        one.ticket.district = district
        planned.append(one)
        written += 1
        if len(planned) >= BATCH:
            writer.write(planned)
            planned = []
    if planned:
        writer.write(planned)
    return written
