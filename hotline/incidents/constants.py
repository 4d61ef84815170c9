"""Limits of incidents (突发事件与临时口径)."""

#: Longest title, answer script (口径: it fills the intake form's 答复内容, at most 4000), public notice, end note.
TITLE_MAX_LENGTH = 200
SCRIPT_MAX_LENGTH = 2000
NOTICE_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 500
#: Keywords: at most this many, each of at least `KEYWORD_MIN_LENGTH` characters (a single 水 would match
#: nearly every call about anything wet) and at most `KEYWORD_MAX_LENGTH`.
MAX_KEYWORDS = 10
KEYWORD_MIN_LENGTH = 2
KEYWORD_MAX_LENGTH = 20
#: The stored keyword line ("停水 没水 水压低"): at most this many characters.
KEYWORDS_MAX_LENGTH = 250
#: At most this many areas (区/街道/社区) on one incident.
MAX_AREAS = 60
#: The intake notice looks at this much of each text field (the agent's first lines say what the call is about).
MATCH_TEXT_MAX_LENGTH = 2000
#: The detail page: calls by hour over this many hours, and the latest this many orders listed.
HOURS_SHOWN = 48
ORDERS_SHOWN = 100
#: Rows per page of the incident list.
PAGE_SIZE = 50
#: At most this many notices on the portal.
PORTAL_NOTICES = 10
#: The years a start or expected end may lie in (as `hotline.hotspots.services`): a moment far outside cannot
#: be stored (year 1 in Beijing time is before the first moment in UTC).
MIN_YEAR, MAX_YEAR = 2000, 2100
