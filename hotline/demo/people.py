"""Synthetic but realistic callers (来电人) and incident places for the demo orders."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from decimal import Decimal

from hotline.demo.orgs import DISTRICTS, CityUnits
from hotline.orgs.models import HandlingUnit
from hotline.tickets.choices import Sex

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
            "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万严覃戴莫向汤")
MALE_NAMES = ("伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "建华", "志强", "国庆", "海波", "俊杰",
              "晓东", "文斌", "建国", "红军", "卫东", "子轩", "浩然", "宇航", "德明", "春生", "立新", "光辉")
FEMALE_NAMES = ("芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀英", "桂兰", "玉兰", "晓燕", "丹丹", "婷婷",
                "雅琴", "慧", "欣怡", "梓涵", "小红", "美玲", "春梅", "海燕")
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                   "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180", "181",
                   "182", "183", "185", "186", "187", "188", "189", "191", "198", "199")
FIRM_WORDS = (("鑫源", "华兴", "宏达", "恒通", "博远", "湘江", "麓山", "天成"), ("商贸", "建材", "物流", "科技", "餐饮", "置业"))
ROADS = ("人民路", "五一大道", "芙蓉中路", "韶山路", "劳动路", "万家丽路", "雨花路", "岳麓大道", "桐梓坡路",
         "金星路", "东二环", "车站北路", "解放西路", "黄兴路", "湘府路", "潇湘大道", "银盆岭路", "长沙大道")
#: Rough centres (latitude, longitude) of the six districts, for map pins.
CENTRES = {"A1": (28.196, 113.010), "A2": (28.108, 112.985), "A3": (28.160, 112.905),
           "A4": (28.250, 112.960), "A5": (28.135, 113.040), "A6": (28.300, 112.860)}
_DISTRICT_MENTION = re.compile(r"A([1-7])区")


@dataclass(frozen=True)
class Caller:
    """Who called (来电人): name, sex, mobile, firm; anonymous or confidential."""

    name: str
    sex: str
    phone: str
    company: str = ""
    is_anonymous: bool = False
    is_confidential: bool = False


@dataclass(frozen=True)
class Place:
    """Where it happened: the address and its district, street and community units, with a map pin."""

    address: str
    district: HandlingUnit
    street: HandlingUnit
    community: HandlingUnit
    latitude: Decimal
    longitude: Decimal


def mobile(rng: random.Random) -> str:
    """A plausible mainland mobile number (1[3-9]x…, 11 digits)."""
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def caller(rng: random.Random, *, whistle_blower: bool = False) -> Caller:
    """A synthetic caller; whistle-blowers are more often confidential (保密)."""
    sex = rng.choice([Sex.MALE, Sex.FEMALE])
    surname = rng.choice(SURNAMES)
    given = rng.choice(MALE_NAMES if sex == Sex.MALE else FEMALE_NAMES)
    roll = rng.random()
    name = surname + given if roll < 0.7 else surname + ("先生" if sex == Sex.MALE else "女士")
    anonymous = rng.random() < 0.06
    confidential = rng.random() < (0.25 if whistle_blower else 0.02)
    company = ""
    if rng.random() < 0.04:
        company = f"A市{rng.choice(FIRM_WORDS[0])}{rng.choice(FIRM_WORDS[1])}有限公司"
    return Caller(name="" if anonymous else name, sex="" if anonymous else sex, phone=mobile(rng),
                  company=company, is_anonymous=anonymous, is_confidential=confidential)


def district_key(text: str, rng: random.Random) -> str:
    """The district the text names (A1区…A6区; A7区 counts as A6区), else a random one."""
    found = _DISTRICT_MENTION.search(text)
    if found:
        return f"A{min(int(found.group(1)), 6)}"
    return rng.choice(list(DISTRICTS))


def place(city: CityUnits, text: str, rng: random.Random) -> Place:
    """The incident place: the district from the text, a street and a community of it, a house number."""
    key = district_key(text, rng)
    district = city.district(key)
    street = rng.choice(city.streets[district.code])
    community = rng.choice(city.communities[street.code])
    lat, lon = CENTRES[key]
    address = f"A市{street.name}{community.name}{rng.choice(ROADS)}{rng.randint(1, 399)}号"
    return Place(address=address, district=district, street=street, community=community,
                 latitude=Decimal(f"{lat + rng.uniform(-0.03, 0.03):.6f}"),
                 longitude=Decimal(f"{lon + rng.uniform(-0.03, 0.03):.6f}"))
