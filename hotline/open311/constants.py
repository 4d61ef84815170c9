"""Numbers of the Open311 adapter."""

#: `GET requests` without dates covers the most recent 90 days, and no range may span more (the spec).
WINDOW_DAYS = 90
#: Page size of `GET requests` and `servicerequestupdates` when none is asked, and the largest allowed.
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
#: The spec the discovery document names.
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: Longest description accepted by `POST requests`.
MAX_DESCRIPTION = 4000
#: The grid published coordinates are snapped to (degrees): 0.001° is about 110 m north–south and 85–105 m
#: east–west across China — a block, not a building (`disclosure.coarse`).
COORDINATE_GRID = "0.001"
