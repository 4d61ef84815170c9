"""Thresholds of the work-order rules (configurable numbers live here, not in views)."""

#: The default of 退单设置 (`ReturnSettings.max_returns`, edited in the admin): after this many returns the centre
#: agreed with, it must designate the unit (Tianjin draft: 3 failed dispatches). Read the setting, not this.
MAX_RETURNS_BEFORE_DESIGNATION = 3

#: Most hand-downs (下派) below the unit the centre dispatched to (a district → street → community takes two).
MAX_HAND_DOWNS = 3

#: Longest extension a unit may ask for in one request, in working days.
MAX_EXTENSION_DAYS = 30

#: Highest escalation level of supervision (1 centre, 2 district government, 3 city government).
MAX_SUPERVISION_LEVEL = 3

#: Longest note of a citizen's chase (群众催办), in characters.
MAX_CHASE_NOTE = 500

#: Longest text of a citizen's supplement (补充诉求), in characters (as the portal's description).
MAX_SUPPLEMENT = 2000
