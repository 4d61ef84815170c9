"""Limits and defaults of quality inspection (坐席工单质检)."""

#: A perfect score; deductions are taken from it and the score never goes below 0.
FULL_SCORE = 100
#: Defaults of `InspectionSettings`: 3 % of each agent's orders a month, at least 5, appeals within 3 working days.
DEFAULT_SAMPLE_RATE = 3
DEFAULT_MINIMUM = 5
DEFAULT_APPEAL_DAYS = 3
#: Longest comment, appeal reason, decision note and deduction note, in characters.
TEXT_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 200
#: Rows per page of the inspectors' list and an agent's own results.
PAGE_SIZE = 50
