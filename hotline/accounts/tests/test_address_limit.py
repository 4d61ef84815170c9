"""Password spraying: failed sign-ins from one client network over many account names block the network for
the window, while an office whose agents mistype now and then is never blocked (docs/security.md)."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.backends import ModelBackend
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from prometheus_client import REGISTRY

from hotline.accounts import address_limit, lockout
from hotline.accounts.choices import Role
from hotline.accounts.constants import (
    ADDRESS_MAX_FAILURES,
    ADDRESS_MIN_NAMES,
    LOCKOUT_WINDOW,
    MAX_LOGIN_FAILURES,
)
from hotline.accounts.models import AddressBlock, LoginFailure, User

ADMIN_LOGIN = "/admin/login/?next=/admin/"
RIGHT = "right-password-1"
OFFICE = "203.0.113.5"
ELSEWHERE = "198.51.100.7"
BLOCKED = "暂停从该网络登录"
START = "2026-03-02 09:00 +0800"


def _agent(username: str = "agent9", **extra: Any) -> User:
    user = User.objects.create(username=username, role=Role.INTAKE, **extra)
    user.set_password(RIGHT)
    user.save()
    return user


def _login(client: Client, username: str, password: str, ip: str = OFFICE, url: str = "") -> Any:
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _spray(client: Client, ip: str = OFFICE, url: str = "", *, names: int = ADDRESS_MIN_NAMES,
           failures: int = ADDRESS_MAX_FAILURES) -> None:
    """`failures` wrong passwords from `ip`, round robin over `names` account names (none of them locked)."""
    for i in range(failures):
        response = _login(client, f"name{i % names:03d}", "wrong", ip, url)
        assert response.status_code == 200 and BLOCKED not in response.content.decode()


def _refused(response: Any) -> bool:
    return response.status_code == 200 and BLOCKED in response.content.decode()


def _refusals() -> float:
    return REGISTRY.get_sample_value("hotline_rate_limited_total", {"limit": address_limit.METRIC_LABEL}) or 0.0


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passwords that reached the password check."""
    seen: list[str] = []
    real = ModelBackend.authenticate

    def spy(self: ModelBackend, request: Any, username: str | None = None, password: str | None = None,
            **kwargs: Any) -> Any:
        seen.append(password or "")
        return real(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", spy)
    return seen


# 1. Spraying from one address is stopped --------------------------------------------------------------------

@pytest.mark.django_db
def test_spraying_from_one_address_is_stopped_at_the_threshold(client: Client, checked: list[str],
                                                               caplog: pytest.LogCaptureFixture) -> None:
    _agent()
    before = _refusals()
    with time_machine.travel(START, tick=False), caplog.at_level(logging.INFO, logger="hotline.audit"):
        _spray(client)  # every one of them was checked: the threshold is reached, not passed
        assert len(checked) == ADDRESS_MAX_FAILURES
        refused = _login(client, "agent9", RIGHT)  # the right password of a real account
        assert _refused(refused) and "_auth_user_id" not in client.session
        assert "锁定" not in refused.content.decode()  # the address message, not the account's
        assert _refused(_login(client, "name999", "another guess"))
    assert len(checked) == ADDRESS_MAX_FAILURES  # refused before any password was looked at
    assert LoginFailure.objects.filter(network=OFFICE).count() == ADDRESS_MAX_FAILURES  # refusals left no row
    block = AddressBlock.objects.get()
    assert (block.network, block.ip, block.failures, block.names) == (OFFICE, OFFICE, ADDRESS_MAX_FAILURES,
                                                                     ADDRESS_MIN_NAMES)
    assert block.until - block.since == LOCKOUT_WINDOW
    lines = [r for r in caplog.records if getattr(r, "audit", {}).get("kind") == "signin_address_blocked"]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING and lines[0].audit["network"] == OFFICE
    assert _refusals() - before == 2


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["", ADMIN_LOGIN], ids=["accounts", "admin"])
def test_a_blocked_address_is_refused_on_both_sign_in_pages(client: Client, url: str) -> None:
    _agent(is_staff=True, is_superuser=True)
    with time_machine.travel(START, tick=False):
        _spray(client, url=url)
        assert _refused(_login(client, "agent9", RIGHT, url=url))
        other = ADMIN_LOGIN if not url else ""
        assert _refused(_login(client, "agent9", RIGHT, url=other))
        assert "_auth_user_id" not in client.session
    assert AddressBlock.objects.filter(network=OFFICE).count() == 1


@pytest.mark.django_db
def test_the_refusal_reads_in_english_too(client: Client) -> None:
    with time_machine.travel(START, tick=False):
        _spray(client)
        page = client.post(reverse("login"), {"username": "agent9", "password": RIGHT}, REMOTE_ADDR=OFFICE,
                           HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign-in from this network is paused" in page and "暂停" not in page


@pytest.mark.django_db
def test_the_right_password_is_refused_until_the_window_has_passed(client: Client) -> None:
    """The block lasts LOCKOUT_WINDOW from when it was found, though the spray's first failures age out sooner."""
    _agent()
    with time_machine.travel(START, tick=False) as traveller:
        for i in range(ADDRESS_MAX_FAILURES):  # spread over 14½ minutes
            _login(client, f"name{i % ADDRESS_MIN_NAMES:03d}", "wrong")
            traveller.shift(timedelta(seconds=29))
        assert _refused(_login(client, "agent9", RIGHT))
        traveller.shift(timedelta(minutes=10))  # two thirds of the failures are out of the window now
        assert _refused(_login(client, "agent9", RIGHT))
        traveller.shift(LOCKOUT_WINDOW - timedelta(minutes=10))
        assert _login(client, "agent9", RIGHT).status_code == 302


@pytest.mark.django_db
def test_a_different_address_is_unaffected(client: Client) -> None:
    _agent()
    with time_machine.travel(START, tick=False):
        _spray(client)
        assert _refused(_login(client, "name000", "wrong"))
        assert _login(Client(), "agent9", RIGHT, ip=ELSEWHERE).status_code == 302
        wrong = _login(Client(), "name000", "wrong", ip=ELSEWHERE)
        assert wrong.status_code == 200 and not _refused(wrong)


# 2. An office mistyping is not -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_as_many_failures_on_few_names_do_not_block_the_address(client: Client, checked: list[str]) -> None:
    """Nine agents behind the office's one address, each four wrong passwords: more failures than the
    threshold, but too few names; each of them then signs in."""
    agents = [_agent(f"agent{i}") for i in range(ADDRESS_MIN_NAMES - 1)]
    with time_machine.travel(START, tick=False):
        for _ in range(MAX_LOGIN_FAILURES - 1):
            for agent in agents:
                assert not _refused(_login(client, agent.username, "wrong"))
        assert LoginFailure.objects.filter(network=OFFICE).count() > ADDRESS_MAX_FAILURES
        for agent in agents:
            assert _login(Client(), agent.username, RIGHT).status_code == 302
    assert not AddressBlock.objects.exists()
    assert len(checked) == len(agents) * MAX_LOGIN_FAILURES


@pytest.mark.django_db
def test_a_busy_office_whose_agents_mistype_then_sign_in_is_not_blocked(client: Client) -> None:
    """A shift starting: twice the threshold's names, each mistyped three times and then right. A real sign-in
    forgets its name's failures, so the office's count never reaches the limit."""
    with time_machine.travel(START, tick=False):
        for i in range(2 * ADDRESS_MIN_NAMES):
            agent = _agent(f"agent{i}")
            for _ in range(3):
                assert not _refused(_login(client, agent.username, "wrong"))
            assert _login(Client(), agent.username, RIGHT).status_code == 302
    assert not AddressBlock.objects.exists()


@pytest.mark.django_db
def test_names_are_counted_without_regard_to_case(client: Client) -> None:
    with time_machine.travel(START, tick=False):
        for i in range(ADDRESS_MAX_FAILURES + 5):
            name = f"name{i % 3:03d}"
            _login(client, name.upper() if i % 2 else name, "wrong")
        assert address_limit.window_counts(OFFICE)[1] == 3
    assert not AddressBlock.objects.exists()


# 3. Trusted networks, IPv6, settings ------------------------------------------------------------------------

@pytest.mark.django_db
@override_settings(HOTLINE_TRUSTED_SIGNIN_NETWORKS=["192.0.2.0/24", "203.0.113.0/28"])
def test_a_trusted_network_is_exempt_but_each_name_still_locks(client: Client) -> None:
    _agent()
    with time_machine.travel(START, tick=False):
        _spray(client, failures=2 * ADDRESS_MAX_FAILURES, names=3 * ADDRESS_MIN_NAMES)
        assert _login(client, "agent9", RIGHT).status_code == 302
        client.logout()
        for _ in range(MAX_LOGIN_FAILURES):
            _login(client, "agent9", "wrong")
        locked = _login(client, "agent9", RIGHT)
        assert "锁定" in locked.content.decode() and BLOCKED not in locked.content.decode()
        # 203.0.113.16 is outside the trusted /28: its spray is stopped
        _spray(Client(), ip="203.0.113.16")
        assert _refused(_login(Client(), "name000", "wrong", ip="203.0.113.16"))
    assert list(AddressBlock.objects.values_list("network", flat=True)) == ["203.0.113.16"]


@pytest.mark.django_db
def test_an_ipv6_client_is_counted_by_its_64_network(client: Client) -> None:
    _agent()
    with time_machine.travel(START, tick=False):
        for i in range(ADDRESS_MAX_FAILURES):  # a new address of the /64 for every guess
            _login(client, f"name{i % ADDRESS_MIN_NAMES:03d}", "wrong", ip=f"2001:db8:1:2::{i + 1:x}")
        assert _refused(_login(client, "agent9", RIGHT, ip="2001:db8:1:2:ffff:ffff:ffff:fffe"))
        assert _login(Client(), "agent9", RIGHT, ip="2001:db8:1:3::1").status_code == 302
    assert AddressBlock.objects.get().network == "2001:db8:1:2::/64"


def test_an_ipv4_mapped_address_is_trusted_as_its_ipv4_address() -> None:
    with override_settings(HOTLINE_TRUSTED_SIGNIN_NETWORKS=["203.0.113.0/24"]):
        assert address_limit.is_trusted("::ffff:203.0.113.5")
        assert address_limit.is_trusted("203.0.113.200")
        assert not address_limit.is_trusted("198.51.100.7")
    assert not address_limit.is_trusted("203.0.113.5")  # nothing is trusted by default
    assert not address_limit.watched(None)  # no address: nothing to count it for


@pytest.mark.django_db
@override_settings(HOTLINE_SIGNIN_ADDRESS_MAX_FAILURES=6, HOTLINE_SIGNIN_ADDRESS_MIN_NAMES=3)
def test_the_thresholds_can_be_set_in_the_settings(client: Client) -> None:
    with time_machine.travel(START, tick=False):
        _spray(client, failures=6, names=3)
        assert _refused(_login(client, "name000", "wrong"))


def test_a_trusted_network_that_is_no_network_fails_the_system_check() -> None:
    with override_settings(HOTLINE_TRUSTED_SIGNIN_NETWORKS=["203.0.113.0/24", "office"]), \
            pytest.raises(SystemCheckError, match="accounts.E001"):
        call_command("check")


# 4. Counted before checked, in parallel too -----------------------------------------------------------------

@pytest.mark.django_db
def test_an_attempt_is_counted_for_its_address_before_its_password_is_checked(client: Client,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = ModelBackend.authenticate

    def looking(self: ModelBackend, request: Any, **kwargs: Any) -> Any:
        seen.append(address_limit.window_counts(OFFICE)[0])  # what a parallel attempt would see meanwhile
        return real(self, request, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", looking)
    with time_machine.travel(START, tick=False):
        _spray(client, failures=3, names=3)
    assert seen == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_from_a_spraying_address_stop_at_the_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    """One failure short of the limit, eight guesses at once, each check slow as Argon2: at most one of them
    is checked (its row is the limit's last), the others see it and are refused."""
    for i in range(ADDRESS_MAX_FAILURES - 1):
        lockout.record_failure(f"name{i % ADDRESS_MIN_NAMES:03d}", OFFICE)
    tried: list[str] = []
    errors: list[BaseException] = []
    real = ModelBackend.authenticate

    def slow(self: ModelBackend, request: Any, **kwargs: Any) -> Any:
        tried.append(kwargs.get("password") or "")
        time.sleep(0.3)
        return real(self, request, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", slow)
    barrier = threading.Barrier(8)

    def guess(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            assert _login(Client(), f"other{i}", "guess").status_code == 200
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive()
    assert not errors, errors
    assert len(tried) <= 1, f"{len(tried)} passwords were checked"
    assert LoginFailure.objects.filter(network=OFFICE).count() == ADDRESS_MAX_FAILURES - 1 + len(tried)
    assert AddressBlock.objects.filter(network=OFFICE).exists()


@pytest.mark.django_db
def test_blocks_are_listed_read_only_in_the_admin(admin_client: Client) -> None:
    attacker = Client()  # admin_client is pytest-django's `client`, signed in
    with time_machine.travel(START, tick=False):
        _spray(attacker)
        _login(attacker, "name000", "wrong")
    page = admin_client.get(reverse("admin:accounts_addressblock_changelist"))
    assert page.status_code == 200 and OFFICE in page.content.decode()
    assert admin_client.get(reverse("admin:accounts_addressblock_add")).status_code == 403
