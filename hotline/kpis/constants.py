"""Defaults of the assessment (考核) settings; the live values are in the admin (`AssessmentSettings`)."""

from decimal import Decimal

from hotline.kpis.choices import Indicator

#: 满意率 counts a "基本满意" answer as this share of a "满意" one (domain.md, Beijing 三率: 0.9).
BASIC_SATISFIED_FACTOR = Decimal("0.9")

#: A unit with fewer orders (lead assignments dispatched in the month) is listed but not ranked.
MIN_VOLUME = 5

#: Orders from the same phone in the same category within this many days count as repeat calls (重复来电).
REPEAT_WINDOW_DAYS = 30

#: The composite (综合得分) weights. 0.1 响应 + 0.5 解决 + 0.4 满意 is the published Beijing-style split
#: (domain.md); here it takes 70 % of the score and the unit's timeliness the other 30 %.
#: 会商意见及时率 and 首次解决率 get a row of weight 0: listed in the settings for the centre to weigh, not counted
#: until then.
DEFAULT_WEIGHTS: dict[str, Decimal] = {
    Indicator.RESPONSE: Decimal("0.07"),
    Indicator.RESOLUTION: Decimal("0.35"),
    Indicator.SATISFACTION: Decimal("0.28"),
    Indicator.ON_TIME: Decimal("0.20"),
    Indicator.SIGN_TIMELY: Decimal("0.10"),
    Indicator.OPINION_TIMELY: Decimal("0"),
    Indicator.FIRST_RESOLUTION: Decimal("0"),
}

#: Indicators where a lower rate is better: the composite scores them as 100 % − rate.
LOWER_IS_BETTER = frozenset({Indicator.RETURN, Indicator.REHANDLE, Indicator.EXTENSION, Indicator.REPEAT})

#: Indicators that may carry a weight in the composite (unit-attributed rates).
WEIGHTABLE = (
    Indicator.SIGN_TIMELY, Indicator.ON_TIME, Indicator.COMPLETION, Indicator.RETURN, Indicator.REHANDLE,
    Indicator.EXTENSION, Indicator.RESPONSE, Indicator.RESOLUTION, Indicator.SATISFACTION, Indicator.OPINION_TIMELY,
    Indicator.FIRST_RESOLUTION,
)

#: Rows per page of a drill-down list.
PAGE_SIZE = 50

#: How many units the bulletin lists per table (overdue and re-handled orders by unit).
BULLETIN_TOP_UNITS = 15

#: The longest reason (更正原因) a corrected edition of the bulletin may carry.
BULLETIN_REASON_MAX_LENGTH = 500

#: Published editions listed per page on the bulletin page.
BULLETIN_EDITIONS_PER_PAGE = 24
