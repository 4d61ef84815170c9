"""The sign-in lockout holds: an empty password clears nothing, parallel guesses are counted before their
password is checked, the client's address is kept behind the proxy, and a new password lifts the lock."""

from __future__ import annotations

import getpass
import threading
import time
from typing import Any

import pytest
import time_machine
from django.contrib.auth.backends import ModelBackend
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import Client, override_settings
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.constants import MAX_LOGIN_FAILURES
from hotline.accounts.models import LoginFailure, User

ADMIN_LOGIN = "/admin/login/?next=/admin/"
RIGHT = "right-password-1"
NEW = "New-passw0rd-77"


def _agent(username: str = "agent9", **extra: Any) -> User:
    user = User.objects.create(username=username, role=Role.INTAKE, **extra)
    user.set_password(RIGHT)
    user.save()
    return user


def _login(client: Client, password: str | None, url: str = "", username: str = "agent9") -> Any:
    data = {"username": username} if password is None else {"username": username, "password": password}
    return client.post(url or reverse("login"), data)


def _failures(username: str = "agent9") -> int:
    return LoginFailure.objects.filter(username=username).count()


def _lock(client: Client, username: str = "agent9") -> None:
    for _ in range(MAX_LOGIN_FAILURES):
        _login(client, "wrong", username=username)
    assert _failures(username) == MAX_LOGIN_FAILURES


# 1. An empty password is neither a failure nor a success -------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("url", ["", ADMIN_LOGIN], ids=["accounts", "admin"])
@pytest.mark.parametrize("password", ["", None], ids=["empty", "missing"])
def test_a_post_without_a_password_keeps_the_failure_count(client: Client, url: str, password: str | None) -> None:
    _agent(is_staff=True)
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        for _ in range(MAX_LOGIN_FAILURES - 1):
            _login(client, "wrong", url)
        response = _login(client, password, url)
        assert response.status_code == 200 and "_auth_user_id" not in client.session
        assert _failures() == MAX_LOGIN_FAILURES - 1  # not wiped, and not counted either
        _login(client, "wrong", url)
        refused = _login(client, RIGHT, url)
        assert refused.status_code == 200 and "锁定" in refused.content.decode()
        assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["", ADMIN_LOGIN], ids=["accounts", "admin"])
def test_only_a_real_sign_in_clears_the_count(client: Client, url: str) -> None:
    _agent(is_staff=True)
    for _ in range(MAX_LOGIN_FAILURES - 1):
        _login(client, "wrong", url)
    assert _login(client, RIGHT, url).status_code == 302
    assert client.session["_auth_user_id"]
    assert _failures() == 0


@pytest.mark.django_db
def test_the_right_password_of_a_non_staff_account_at_the_admin_is_still_a_failure(client: Client) -> None:
    _agent()  # not staff: the admin refuses it after the password check
    response = _login(client, RIGHT, ADMIN_LOGIN)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert _failures() == 1


# 2. Every attempt is counted before its password is checked ----------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("url", ["", ADMIN_LOGIN], ids=["accounts", "admin"])
def test_an_attempt_is_counted_before_its_password_is_checked(client: Client, monkeypatch: pytest.MonkeyPatch,
                                                              url: str) -> None:
    _agent(is_staff=True)
    seen: list[int] = []
    real = ModelBackend.authenticate

    def looking(self: ModelBackend, request: Any, username: str | None = None, password: str | None = None,
                **kwargs: Any) -> Any:
        seen.append(_failures())  # what a parallel attempt would see while this password is checked
        return real(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", looking)
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        for _ in range(MAX_LOGIN_FAILURES + 3):
            _login(client, "wrong", url)
        refused = _login(client, RIGHT, url)
    assert seen == list(range(1, MAX_LOGIN_FAILURES + 1))  # already counted; refused ones never reach it
    assert refused.status_code == 200 and "锁定" in refused.content.decode()
    assert _failures() == MAX_LOGIN_FAILURES  # refused attempts do not prolong the lock


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_check_at_most_the_thresholds_number_of_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Twelve guesses at once, each password check slow as Argon2: the burst cannot pass a check made
    before any of them failed. (On SQLite the threads share the test database file.)"""
    _agent()
    tried: list[str] = []
    errors: list[BaseException] = []
    real = ModelBackend.authenticate

    def slow(self: ModelBackend, request: Any, username: str | None = None, password: str | None = None,
             **kwargs: Any) -> Any:
        tried.append(password or "")
        time.sleep(0.3)
        return real(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", slow)
    barrier = threading.Barrier(12)

    def guess(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            response = Client().post(reverse("login"), {"username": "agent9", "password": f"guess-{i}"})
            assert response.status_code == 200
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive()
    assert not errors, errors
    assert len(tried) <= MAX_LOGIN_FAILURES, f"{len(tried)} passwords were checked"
    assert _failures() == len(tried)  # each checked guess is one failure; each refused one left nothing


# 3. The client's address behind the proxy -----------------------------------------------------------------

@pytest.mark.django_db
@override_settings(HOTLINE_CLIENT_IP_HEADER="HTTP_X_REAL_IP")
@pytest.mark.parametrize("url", ["", ADMIN_LOGIN], ids=["accounts", "admin"])
def test_a_failure_behind_the_proxy_keeps_the_clients_address(client: Client, url: str) -> None:
    _agent()
    client.post(url or reverse("login"), {"username": "agent9", "password": "wrong"},
                REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.5")
    assert LoginFailure.objects.get().ip == "203.0.113.5"


@pytest.mark.django_db
@override_settings(HOTLINE_CLIENT_IP_HEADER="HTTP_X_REAL_IP")
def test_an_address_that_is_not_one_is_kept_as_unknown(client: Client) -> None:
    _agent()
    client.post(reverse("login"), {"username": "agent9", "password": "wrong"}, HTTP_X_REAL_IP="not-an-ip")
    assert LoginFailure.objects.get().ip is None


# 5. A new password lifts the lock -------------------------------------------------------------------------

@pytest.mark.django_db
def test_an_administrator_resetting_the_password_unlocks_the_account(admin_client: Client) -> None:
    agent = _agent()
    client = Client()  # the agent's browser (admin_client is the administrator's)
    _lock(client)
    response = admin_client.post(f"/admin/accounts/user/{agent.pk}/password/",
                                 {"password1": NEW, "password2": NEW, "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:1500]
    assert _failures() == 0
    assert _login(client, NEW).status_code == 302


@pytest.mark.django_db
def test_changepassword_on_the_command_line_unlocks_the_account(client: Client,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _agent()
    _lock(client)
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": NEW)
    call_command("changepassword", "agent9", stdout=None)
    assert _failures() == 0
    assert _login(client, NEW).status_code == 302


@pytest.mark.django_db
def test_a_signed_in_user_changing_their_own_password_unlocks_their_name(client: Client) -> None:
    """Someone guessed at the name while its holder was signed in; the holder's new password lifts the lock."""
    agent = _agent(is_staff=True)
    _lock(Client())
    client.force_login(agent)
    response = client.post("/admin/password_change/",
                           {"old_password": RIGHT, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302, response.content.decode()[:1500]
    assert _failures() == 0


@pytest.mark.django_db
def test_saving_a_user_without_a_new_password_keeps_the_lock(client: Client) -> None:
    agent = _agent()
    _lock(client)
    agent.display_name = "张三"
    agent.save()
    agent.set_unusable_password()  # not a password anyone holds
    agent.save()
    assert _failures() == MAX_LOGIN_FAILURES


# 5. A server error while the password is checked is no wrong password --------------------------------------

def _failing(error: Exception) -> Any:
    """A password check that fails with `error` (a server error, not a wrong password)."""

    def check(*args: Any, **kwargs: Any) -> Any:
        raise error

    return check


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["", ADMIN_LOGIN], ids=["accounts", "admin"])
def test_an_error_while_checking_the_password_is_not_counted(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database hiccup in the password check answers 500 and takes its attempt back: five of them in a row
    do not lock out an agent who typed the right password each time."""
    _agent(is_staff=True)
    client = Client(raise_request_exception=False)
    with monkeypatch.context() as patch:
        patch.setattr(ModelBackend, "authenticate", _failing(OperationalError("server closed the connection")))
        for _ in range(MAX_LOGIN_FAILURES):
            assert _login(client, RIGHT, url).status_code == 500
    assert _failures() == 0
    assert _login(Client(), RIGHT, url).status_code == 302


@pytest.mark.django_db
def test_a_wrong_password_before_and_after_an_error_still_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    _agent()
    client = Client(raise_request_exception=False)
    _login(client, "wrong")
    with monkeypatch.context() as patch:
        patch.setattr(ModelBackend, "authenticate", _failing(RuntimeError("a bug in a backend")))
        assert _login(client, "wrong").status_code == 500
    _login(client, "wrong")
    assert _failures() == 2  # the two judged attempts, not the one that failed with the error
