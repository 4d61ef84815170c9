"""The intake benchmark's load is made of requests the platform accepts from a careful agent."""

from collections import Counter

from hotline.bench.intake import order_bodies


def test_a_report_is_never_answered_on_the_spot_in_the_load() -> None:
    """A 举报 goes to a unit (the platform refuses to answer it directly), so the load never asks to."""
    bodies = order_bodies(4000, 12345)
    assert not [b for b in bodies if b["request_type"] == "report" and b["decision"] == "answer"]
    decisions = Counter(b["decision"] for b in bodies)
    assert decisions["answer"] > 200 and decisions["register"] > 300
    assert all(("answer" in b) == (b["decision"] == "answer") for b in bodies)
