"""The demo centre's knowledge base: the seed articles and the real department replies (one idempotent call)."""

from __future__ import annotations

from hotline.kb.replies import load_replies
from hotline.kb.seed import load_seed


def load_demo_kb() -> str:
    """Load the seed articles (published, owned by the demo city's units) and index the past replies; one line."""
    seeded = load_seed()
    replies = load_replies()
    return f"知识 {seeded.summary()}；往期答复 {replies.summary()}"
