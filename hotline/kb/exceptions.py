"""Errors of the knowledge base.

    KbError            a change to an article refused (message in Chinese, shown as is)
    └── SeedError      a seed file row that cannot be loaded (line and reason)
"""

from __future__ import annotations


class KbError(Exception):
    """A refused change to the knowledge base; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SeedError(KbError):
    """A seed row that cannot be loaded."""
