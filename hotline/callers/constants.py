"""Limits of caller profiles (来电人档案)."""

#: Longest note on a profile (备注), in characters.
NOTE_MAX_LENGTH = 200
#: Longest tag name (标签名称).
TAG_NAME_MAX_LENGTH = 20
#: Shortest and longest number a profile is kept for: a local landline without its area code (7 digits)
#: up to an international number; a number starting with 1 must be a whole mainland mobile (11 digits).
PHONE_MIN_DIGITS = 7
PHONE_MAX_DIGITS = 20
MOBILE_DIGITS = 11
#: Changes listed on the profile page, newest first.
CHANGES_SHOWN = 50
