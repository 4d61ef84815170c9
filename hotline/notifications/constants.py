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
