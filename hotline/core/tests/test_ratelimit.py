"""The fixed-window limiter: IPv6 clients counted per /64, tries given back, failures over several windows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine
from django.core.cache import cache

from hotline.core.ratelimit import FailureLimit, RateLimit, address_key


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(("identity", "key"), [
    ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    ("2001:DB8:1:2:0:0:0:1", "2001:db8:1:2::/64"),  # however the address is written
    ("fe80::1%eth0", "fe80::/64"),
    ("::ffff:192.0.2.7", "192.0.2.7"),  # an IPv4 client seen through an IPv6 socket
    ("192.0.2.7", "192.0.2.7"),
    ("unknown", "unknown"),
    ("202503040000001", "202503040000001"),  # an order number
    ("not:an:address", "not:an:address"),
])
def test_what_a_limit_counts(identity: str, key: str) -> None:
    assert address_key(identity) == key


def test_one_ipv6_network_shares_its_budget(traveller: time_machine.Coordinates) -> None:
    limit = RateLimit("t-v6", limit=2, window=60)
    assert limit.hit("2001:db8:1:2::1").allowed and limit.hit("2001:db8:1:2::2").allowed
    assert not limit.hit("2001:db8:1:2::3").allowed
    assert not limit.peek("2001:db8:1:2::4").allowed
    assert limit.hit("2001:db8:1:3::1").allowed  # the next network
    assert limit.hit("192.0.2.1").allowed and limit.hit("192.0.2.1").allowed and limit.hit("192.0.2.2").allowed


def test_a_refund_gives_one_hit_back(traveller: time_machine.Coordinates) -> None:
    limit = RateLimit("t-refund", limit=2, window=60)
    limit.hit("a")
    limit.hit("a")
    limit.refund("a")
    assert limit.hit("a").allowed and not limit.hit("a").allowed
    limit.refund("nobody")  # nothing to give back: no error, no credit
    assert limit.hit("nobody").allowed and limit.hit("nobody").allowed and not limit.hit("nobody").allowed


def test_failures_are_limited_in_every_window(traveller: time_machine.Coordinates) -> None:
    failures = FailureLimit((RateLimit("t-short", limit=2, window=60), RateLimit("t-long", limit=3, window=3600)))
    assert failures.attempt("n").allowed and failures.attempt("n").allowed
    short = failures.attempt("n")
    assert not short.allowed and short.retry_after <= 60
    assert not failures.attempt("n").allowed  # refused tries use up nothing of the hour
    traveller.shift(60)
    assert failures.attempt("n").allowed  # the short window started afresh; the third of the hour
    long = failures.attempt("n")
    assert not long.allowed and long.retry_after > 60  # the longest wait of the windows used up
    assert failures.attempt("other").allowed


def test_a_success_is_no_failure(traveller: time_machine.Coordinates) -> None:
    failures = FailureLimit((RateLimit("t-ok", limit=2, window=60),))
    for _ in range(5):
        assert failures.attempt("n").allowed
        failures.succeeded("n")
    assert failures.attempt("n").allowed and failures.attempt("n").allowed and not failures.attempt("n").allowed
