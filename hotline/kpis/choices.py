"""Vocabulary of the indicators (考核指标) and the assessment tiers (考核分组)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.orgs.choices import UnitKind


class Indicator(models.TextChoices):
    """Every indicator the platform computes; `docs/kpis.md` gives each one's formula."""

    VOLUME = "volume", _("受理量")
    DIRECT_ANSWER = "direct_answer", _("直接答复率")
    ONLINE_ACCEPT = "online_accept", _("网上受理及时率")
    SIGN_TIMELY = "sign_timely", _("签收及时率")
    ON_TIME = "on_time", _("按时办结率")
    COMPLETION = "completion", _("办结率")
    RETURN = "return", _("退单率")
    REHANDLE = "rehandle", _("重办率")
    EXTENSION = "extension", _("延期率")
    VISIT = "visit", _("回访率")
    RESPONSE = "response", _("响应率")
    RESOLUTION = "resolution", _("解决率")
    FIRST_RESOLUTION = "first_resolution", _("首次解决率")
    SATISFACTION = "satisfaction", _("满意率")
    OPINION_TIMELY = "opinion_timely", _("会商意见及时率")
    REPEAT = "repeat", _("重复来电率")
    CONNECT = "connect", _("接通率")
    SERVICE_LEVEL = "service_level", _("15 秒应答率")


class Tier(models.TextChoices):
    """Groups of units ranked against each other (分类考核): like is compared with like."""

    DEPARTMENTS = "departments", _("市直部门")
    DISTRICTS = "districts", _("区政府")
    STREETS = "streets", _("街道/乡镇")
    UTILITIES = "utilities", _("公共服务企业")
    COMMUNITIES = "communities", _("社区/村")


#: Which tier each kind of unit is ranked in (the centre itself is not assessed).
TIER_OF_KIND: dict[str, str] = {
    UnitKind.DEPARTMENT: Tier.DEPARTMENTS,
    UnitKind.DISTRICT: Tier.DISTRICTS,
    UnitKind.STREET: Tier.STREETS,
    UnitKind.UTILITY: Tier.UTILITIES,
    UnitKind.ENTERPRISE: Tier.UTILITIES,
    UnitKind.COMMUNITY: Tier.COMMUNITIES,
}


class Granularity(models.TextChoices):
    MONTH = "month", _("月")
    WEEK = "week", _("周")
    DAY = "day", _("日")
    RANGE = "range", _("自定义区间")


class Scope(models.TextChoices):
    """Which figures: the city's operations, or a unit's assessment (exclusions applied)."""

    OPERATIONS = "operations", _("运行口径")
    ASSESSMENT = "assessment", _("考核口径")
