"""The demo city's handling units (A市): the centre, city departments, utilities, districts, streets, communities.

Codes are stable ("DEPT-ZJ", "D-A1", "S-A1-01", "C-A1-01-02"), so loading again finds the same units.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit

CENTRE = ("CENTRE", "A市12345热线中心", "12345")

#: City departments (委办局): code, name.
DEPARTMENTS: list[tuple[str, str]] = [
    ("DEPT-ZJ", "市住房和城乡建设局"),
    ("DEPT-CG", "市城市管理综合执法局"),
    ("DEPT-HB", "市生态环境局"),
    ("DEPT-JT", "市交通运输局"),
    ("DEPT-RS", "市人力资源和社会保障局"),
    ("DEPT-JY", "市教育局"),
    ("DEPT-WJ", "市卫生健康委员会"),
    ("DEPT-SJ", "市市场监督管理局"),
    ("DEPT-GA", "市公安局"),
    ("DEPT-MZ", "市民政局"),
    ("DEPT-ZG", "市自然资源和规划局"),
    ("DEPT-WL", "市文化旅游广电局"),
    ("DEPT-YB", "市医疗保障局"),
    ("DEPT-NY", "市农业农村局"),
    ("DEPT-GJJ", "市住房公积金管理中心"),
]

#: Public utilities (水电气热): code, name.
UTILITIES: list[tuple[str, str]] = [
    ("UTIL-WATER", "A市水务集团（市供水公司）"),
    ("UTIL-POWER", "国网A市供电公司"),
    ("UTIL-GAS", "A市燃气集团"),
    ("UTIL-HEAT", "A市热力公司"),
]

#: Districts A1区…A6区 and their streets (街道); each street gets two or three communities.
DISTRICTS: dict[str, list[str]] = {
    "A1": ["定王台街道", "文艺路街道", "东屯渡街道", "湘湖街道"],
    "A2": ["桂花坪街道", "大托街道", "暮云街道", "先锋街道"],
    "A3": ["洋湖街道", "学士街道", "含浦街道", "西湖街道"],
    "A4": ["青竹湖街道", "望月湖街道", "捞刀河街道"],
    "A5": ["圭塘街道", "洞井街道", "黎托街道", "同升街道"],
    "A6": ["月亮岛街道", "金洲街道", "白箬铺街道"],
}

COMMUNITY_NAMES = [
    "向阳", "中南", "封刀岭", "土城", "陶家山", "牛角冲", "望仙桥", "新塘里", "菱角山", "豹子岭",
    "德馨园", "楚郡", "泉星", "毛塘", "石家湾", "荣合桥", "王家冲", "茶园坡", "瓦窑湾", "八字路",
    "高山背", "长冲", "东澜湾", "双凫铺", "双江口", "两丫坪", "大市场", "星新", "嘉新", "文昌",
    "尖山", "商贸城", "泰安", "五美", "蒋垅", "车站", "桂花", "枫林", "观沙岭", "金盆岭",
    "杨家山", "新开铺", "梅岭", "湖光", "锦泰", "芙蓉", "育英", "东塘", "南湖", "丽发",
    "松桂园", "韭菜园", "白沙", "天心阁", "青园", "井湾", "新路", "黄土岭", "曙光", "跃进",
]


@dataclass
class CityUnits:
    """The units of the demo city, found by code and by role in the city."""

    by_code: dict[str, HandlingUnit] = field(default_factory=dict)
    streets: dict[str, list[HandlingUnit]] = field(default_factory=dict)  # district code → streets
    communities: dict[str, list[HandlingUnit]] = field(default_factory=dict)  # street code → communities

    def __getitem__(self, code: str) -> HandlingUnit:
        """The unit with this code."""
        return self.by_code[code]

    @property
    def centre(self) -> HandlingUnit:
        """The hotline centre (the root of the tree)."""
        return self.by_code[CENTRE[0]]

    def district(self, key: str) -> HandlingUnit:
        """A district government by its short key ("A3")."""
        return self.by_code[f"D-{key}"]


def _unit(code: str, name: str, kind: str, parent: HandlingUnit | None, phone: str = "") -> HandlingUnit:
    """Find the unit by its code, or create it; keep its name, kind and parent as the demo defines them."""
    unit = HandlingUnit.objects.filter(code=code).first()
    if unit is None:
        return HandlingUnit.objects.create(code=code, name=name, kind=kind, parent=parent, phone=phone)
    if (unit.name, unit.kind, unit.parent_id) != (name, kind, parent.pk if parent else None):
        unit.name, unit.kind, unit.parent = name, kind, parent
        unit.save()
    return unit


def build_units() -> CityUnits:
    """Create (or find) the whole demo organisation tree of A市 and return it."""
    city = CityUnits()
    centre = _unit(CENTRE[0], CENTRE[1], UnitKind.CENTRE, None, CENTRE[2])
    city.by_code[centre.code] = centre
    for i, (code, name) in enumerate(DEPARTMENTS):
        # An office line and the duty mobile (值班手机) that gets 承办单位提醒 SMS (fictitious numbers).
        city.by_code[code] = _unit(code, name, UnitKind.DEPARTMENT, centre, f"0731-8899{i:04d} / 1390731{i:04d}")
    for i, (code, name) in enumerate(UTILITIES):
        city.by_code[code] = _unit(code, name, UnitKind.UTILITY, centre, f"0731-9600{i:04d} / 1380731{i:04d}")
    names = iter(COMMUNITY_NAMES)
    for d_no, (d_key, street_names) in enumerate(DISTRICTS.items()):
        district = _unit(f"D-{d_key}", f"{d_key}区人民政府", UnitKind.DISTRICT, centre, f"1370731{d_no:04d}")
        city.by_code[district.code] = district
        city.streets[district.code] = []
        for s_no, street_name in enumerate(street_names, start=1):
            s_code = f"S-{d_key}-{s_no:02d}"
            street = _unit(s_code, f"{d_key}区{street_name}", UnitKind.STREET, district,
                           f"1360731{d_no:02d}{s_no:02d}")
            city.by_code[s_code] = street
            city.streets[district.code].append(street)
            city.communities[s_code] = []
            for c_no in range(1, 4 if s_no % 2 else 3):
                c_code = f"C-{d_key}-{s_no:02d}-{c_no:02d}"
                community = _unit(c_code, f"{next(names)}社区", UnitKind.COMMUNITY, street)
                city.by_code[c_code] = community
                city.communities[s_code].append(community)
    return city
