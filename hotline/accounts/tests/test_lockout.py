"""Sign-in locks an account name after repeated failures, and a success clears the count."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from hotline.accounts.constants import LOCKOUT_WINDOW, MAX_LOGIN_FAILURES
from hotline.accounts.models import LoginFailure, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent() -> User:
    user = User.objects.create(username="agent9", role="intake")
    user.set_password("right-password-1")
    user.save()
    return user


def _login(client, password: str):  # noqa: ANN001, ANN202
    return client.post(reverse("login"), {"username": "agent9", "password": password})


def test_locked_after_repeated_failures_even_with_the_right_password(client, agent: User) -> None:
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        for _ in range(MAX_LOGIN_FAILURES):
            assert _login(client, "wrong").status_code == 200
        response = _login(client, "right-password-1")
        assert response.status_code == 200
        assert "锁定" in response.content.decode()
        assert "_auth_user_id" not in client.session
        traveller.shift(LOCKOUT_WINDOW + timedelta(minutes=1))
        response = _login(client, "right-password-1")
        assert response.status_code == 302
        assert not LoginFailure.objects.filter(username="agent9").exists()


def test_a_success_clears_earlier_failures(client, agent: User) -> None:
    for _ in range(MAX_LOGIN_FAILURES - 1):
        _login(client, "wrong")
    assert _login(client, "right-password-1").status_code == 302
    client.logout()
    for _ in range(MAX_LOGIN_FAILURES - 1):
        _login(client, "wrong")
    assert _login(client, "right-password-1").status_code == 302


def test_the_admin_sign_in_counts_failures_and_obeys_the_lock(client) -> None:  # noqa: ANN001
    boss = User.objects.create(username="boss9", role="admin", is_staff=True, is_superuser=True)
    boss.set_password("right-password-1")
    boss.save()

    def admin_login(password: str):  # noqa: ANN202
        return client.post("/admin/login/?next=/admin/", {"username": "boss9", "password": password})

    for _ in range(MAX_LOGIN_FAILURES):
        assert admin_login("wrong").status_code == 200
    assert LoginFailure.objects.filter(username="boss9").count() == MAX_LOGIN_FAILURES
    refused = admin_login("right-password-1")
    assert refused.status_code == 200 and "锁定" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.post(reverse("login"), {"username": "boss9", "password": "right-password-1"}).status_code == 200
