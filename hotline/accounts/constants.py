"""Sign-in lockout thresholds."""

from datetime import timedelta

#: Failed sign-ins within LOCKOUT_WINDOW that lock the account name for LOCKOUT_WINDOW.
MAX_LOGIN_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
