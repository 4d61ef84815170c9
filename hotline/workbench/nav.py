"""The main navigation (主导航): one ordered list of pages, each shown to exactly the people its view lets in.

An entry's `allows` is the role set or the predicate the page's own view checks, imported from the view's
module (never a copy kept here or in the template): a link is shown if and only if its page opens.
`hotline/workbench/tests/test_nav_access.py` proves it for every role. Adding a page is one line in `ENTRIES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, ResolverMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hotline.callers.permissions import READ_ROLES as CALLER_ROLES
from hotline.calls.views import HOME_ROLES as CALL_ROLES
from hotline.dashboards.selectors import may_view as may_view_dashboards
from hotline.dataio.views import CSV_ROLES, IMPORT_ROLES
from hotline.governance.views import THEME_ROLES
from hotline.hotspots.views import HOTSPOT_ROLES
from hotline.incidents.permissions import READ_ROLES as INCIDENT_ROLES
from hotline.inspection.permissions import PAGE_ROLES as QA_ROLES
from hotline.interop.views import PARTNER_ROLES
from hotline.kb.permissions import may_maintain
from hotline.kb.views import is_agent
from hotline.kpis.views import may_see_kpis
from hotline.planning.constants import PLANNER_ROLES
from hotline.replyqa.views import REPLYQA_ROLES
from hotline.revisits.views import REVISIT_ROLES
from hotline.triage.views import ALERT_ROLES
from hotline.workbench.intake.views import may_register
from hotline.workbench.queues.views import QUEUE_ROLES

#: Who may open a page: the roles its view lets in, or the view's own test of a person.
Allows = frozenset[str] | Callable[[Any], bool]


def signed_in(user: Any) -> bool:
    """Anyone signed in (the order list shows each person the orders they may see)."""
    return bool(user.is_authenticated)


@dataclass(frozen=True)
class Entry:
    """One link of the main navigation."""

    url: str  #: url name, or "namespace:name"
    label: Promise
    allows: Allows
    #: view names ("name" or "namespace:name") that mark this link current; "namespace:" stands for every page
    #: of the namespace; empty: the link's own page only
    current: tuple[str, ...] = ()
    #: what waits on the page, counted for the link's badge (one query, only for those the link is shown to)
    waiting: Callable[[], int] | None = None

    def shown_to(self, user: Any) -> bool:
        """Whether this person may open the page (the view's own check)."""
        if callable(self.allows):
            return bool(self.allows(user))
        return user.role in self.allows

    def is_current(self, match: ResolverMatch | None) -> bool:
        """Whether the page being shown (`request.resolver_match`) belongs to this link."""
        if match is None:
            return False
        return any(match.view_name == name or (name.endswith(":") and match.namespace == name[:-1])
                   for name in self.current or (self.url,))


def open_alerts() -> int:
    """The shift lead's alerts not yet 知悉 (the alerts page's own 未处理 count), so a new one is seen from any page."""
    from hotline.triage.models import Alert, AlertStatus

    return Alert.objects.filter(status=AlertStatus.OPEN).count()


ENTRIES: tuple[Entry, ...] = (
    Entry("intake", _("受理登记"), may_register),
    Entry("queue-dispatch", _("派单队列"), QUEUE_ROLES["dispatch"]),
    Entry("queue-inbox", _("待办"), QUEUE_ROLES["inbox"]),
    Entry("queue-review", _("答复审核"), QUEUE_ROLES["review"]),
    Entry("queue-approvals", _("待审批"), QUEUE_ROLES["approvals"]),
    Entry("queue-visits", _("回访"), QUEUE_ROLES["visits"]),
    Entry("supervision", _("督办看板"), QUEUE_ROLES["supervision"]),
    Entry("orders", _("工单"), signed_in),
    Entry("dashboard", _("数据看板"), may_view_dashboards),
    Entry("kpis", _("考核指标"), may_see_kpis, ("kpis", "kpis-assessment", "kpis-bulletin")),
    Entry("planner", _("排班规划"), PLANNER_ROLES),
    Entry("interop:partners", _("对接平台"), PARTNER_ROLES, ("interop:",)),
    Entry("calls-home", _("话务"), CALL_ROLES, ("calls-metrics", "calls-callbacks")),
    Entry("caller-list", pgettext_lazy("列表", "来电人档案"), CALLER_ROLES, ("caller-list", "caller-profile", "caller-profile-id", "caller-order", "caller-open", "caller-save")),
    Entry("hotspots-weekly", _("热点问题"), HOTSPOT_ROLES),
    Entry("governance", _("每月一题"), THEME_ROLES, ("governance", "governance-detail", "governance-new")),
    Entry("replyqa-list", _("答复质检"), REPLYQA_ROLES),
    Entry("revisits", _("二次回访"), REVISIT_ROLES),
    Entry("inspection-list", _("坐席质检"), QA_ROLES,  # an intake agent lands on their own results
          ("inspection-list", "inspection-mine", "inspection-detail", "inspection-report",
                                  "inspection-performance")),
    Entry("data-export", _("数据导出"), CSV_ROLES),
    Entry("data-imports", _("导入记录"), IMPORT_ROLES, ("data-imports", "data-import")),
    Entry("triage-alerts", _("研判预警"), ALERT_ROLES, ("triage-alerts", "triage-alert"), open_alerts),
    Entry("kb:list", _("知识库"), is_agent, ("kb:list", "kb:article", "kb:feedback")),
    Entry("kb:review", _("知识复核"), may_maintain, ("kb:review", "kb:feedback-resolve")),
    Entry("incidents:list", _("突发事件"), INCIDENT_ROLES, ("incidents:",)),
)


@dataclass(frozen=True)
class Link:
    """A navigation link as the page shows it."""

    url: str
    label: Promise
    current: bool
    waiting: int = 0  #: the badge's count; 0 shows none


def links_for(user: Any, match: ResolverMatch | None = None) -> list[Link]:
    """The links this person sees, in order; `match` (the request's resolver match) marks the current one.

    An entry whose url is not installed (a site without that app) is left out.
    """
    shown = []
    for entry in ENTRIES:
        if not entry.shown_to(user):
            continue
        try:
            url = reverse(entry.url)
        except NoReverseMatch:
            continue
        shown.append(Link(url, entry.label, entry.is_current(match), entry.waiting() if entry.waiting else 0))
    return shown
