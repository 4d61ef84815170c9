"""Limits of the intake page."""

#: Earlier orders of a caller shown by the phone lookup (来电弹屏).
CALLER_HISTORY_LIMIT = 10
#: Categories returned by one search of the category picker.
CATEGORY_SEARCH_LIMIT = 20
#: Shortest phone number worth looking up (shorter input shows nothing).
MIN_LOOKUP_DIGITS = 3
#: A caller's number (来电号码) holds this many ASCII digits at least (5: 95xxx service lines) and at most.
CALLER_PHONE_MIN_DIGITS = 5
CALLER_PHONE_MAX_DIGITS = 20
#: A category search reads at most this many characters and words (each word is one LIKE condition).
CATEGORY_QUERY_MAX_CHARS = 100
CATEGORY_QUERY_MAX_WORDS = 8
