"""Limits of the intake page."""

#: Earlier orders of a caller shown by the phone lookup (来电弹屏).
CALLER_HISTORY_LIMIT = 10
#: Categories returned by one search of the category picker.
CATEGORY_SEARCH_LIMIT = 20
#: Shortest phone number worth looking up (shorter input shows nothing).
MIN_LOOKUP_DIGITS = 3
