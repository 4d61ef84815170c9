"""Default time limits (domain.md's table). They seed the SlaPolicy table; edit them in the admin."""

from __future__ import annotations

from hotline.sla.choices import LimitUnit as U

DEFAULT_YELLOW_RATIO = 0.8

#: name, urgency, utility_only, difficult_only, priority, sign, reply, close, return_ (amount, unit; return
#: window default 1 working day; complex orders 2, domain.md's table)
DEFAULT_POLICIES: list[dict] = [
    dict(name="紧急(涉及生命财产安全)", urgency="urgent", priority=30,
         sign=(15, U.MINUTES), reply=(2, U.HOURS), close=(24, U.HOURS)),
    dict(name="水电气热", utility_only=True, priority=20,
         sign=(30, U.MINUTES), reply=(24, U.HOURS), close=(3, U.DAYS)),
    dict(name="疑难复杂", difficult_only=True, priority=10,
         sign=(1, U.WORKING_DAYS), reply=(15, U.DAYS), close=(20, U.DAYS), return_=(2, U.WORKING_DAYS)),
    dict(name="一般", priority=0,
         sign=(1, U.WORKING_DAYS), reply=(5, U.WORKING_DAYS), close=(7, U.WORKING_DAYS)),
]
