"""Numbers of webhook delivery (all in seconds unless named otherwise)."""

#: Attempts before a delivery is marked failed (it can still be replayed).
MAX_ATTEMPTS = 8
#: Backoff after the n-th failed attempt: BACKOFF_BASE * 2**(n-1), at most BACKOFF_CAP, ± JITTER of it.
BACKOFF_BASE = 30
BACKOFF_CAP = 6 * 3600
JITTER = 0.2
#: How long one HTTP attempt may take, all of it: connecting, the TLS handshake, sending and reading the answer
#: (an overall deadline, not a wait per read), so that an attempt always ends well within its LEASE.
TIMEOUT = 10
#: A claimed delivery is not picked by another deliverer for this long (a crashed one releases it then).
LEASE = 120
#: How much of the receiver's answer the attempt log keeps.
EXCERPT = 500
#: At most this many bytes of the answer's body are read (the rest is never waited for).
ANSWER_LIMIT = 4 * EXCERPT
#: Signatures older than this are refused by `signing.verify` (replay protection on the receiver's side).
TOLERANCE = 300
