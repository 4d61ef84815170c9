"""Thresholds of the alerts to handling units (承办单位提醒)."""

from __future__ import annotations

from datetime import timedelta

#: Longest order title quoted in an alert (characters); the order page has the rest.
MAX_TITLE_CHARS = 12
#: Orders named one by one in a grouped alert ("您单位有5件工单即将超期：A、B、C等"); the inbox tab lists all.
MAX_LISTED = 3
#: Assignments one periodic run looks at, soonest deadline first; the rest wait for the next run.
MAX_PER_RUN = 1000
#: A unit alert still queued this long after it was written lost its deliverer (a crash after the commit):
#: the periodic run delivers it.
REDELIVER_AFTER = timedelta(minutes=2)
#: A queued unit alert older than this is no longer news: it is marked failed instead of being sent late.
REDELIVER_WITHIN = timedelta(hours=1)
#: A unit alert still `sending` this long after it was claimed lost its sender during the gateway call.
INTERRUPTED_AFTER = timedelta(minutes=10)

# Retrying a citizen's failed text (群众短信补发): `hotline.notifications.retry`.
#: Tries in all (the first send included) before a failed citizen text is given up.
MAX_ATTEMPTS = 5
#: Wait after the n-th failed try: RETRY_BASE * 2**(n-1) (1, 2, 4, 8 minutes …), at most RETRY_CAP.
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=1)
#: A citizen text still queued (待发送) this long after it was written lost its sender (a crash between the write
#: and the gateway call; a normal follow-up sends within seconds): the periodic retry claims and sends it.
QUEUED_GRACE = timedelta(minutes=5)
#: How long a caller's text is news (one window for every path that may send it late): the repair of lost
#: follow-ups (`hotline.tasks.repair.WINDOW`) looks this far back for steps to follow up again, a text is first
#: sent only within it of its step (a follow-up run later, by a lagging worker or by hand, records it not sent),
#: and sent again (补发) only within it of its writing; past it a text is given up with the reason, never sent late.
#: Two days: the repair's reach (a worker down over a night and a day); a text still true that late is worth
#: having (the receipt's 查询码), and one that is no longer true is never sent (`retry.OVERTAKEN_BY`).
NEWS_WITHIN = timedelta(days=2)
#: Citizen texts (failed, or left queued) one periodic run sends, the longest-waiting first; the rest wait
#: for the next run.
RETRY_PER_RUN = 200
