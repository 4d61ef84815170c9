"""Fixtures shared by every test of the project.

- `frozen_now`: the clock stopped at `factories.NOW` (a plain working Tuesday) with time-machine.
- `org`: a small organisation tree (centre → district → two streets → a community; a department).
- `cast`: the people and units one order meets (`hotline.tickets.tests.factories.Cast`).
- `staff`: one active user per centre role.

Session-wide: uploads go to a temporary MEDIA_ROOT, and `transaction=True` tests keep working — their
teardown flushes every table, which the timeline's append-only triggers would refuse
(`_flushable_timeline`), and which wipes the SLA policies the data migration seeded
(`_reseed_policies_after_flush`). After each test the working calendar forgets cached overrides and the default language is active again.

Orders are made with `hotline.tickets.tests.factories.make_ticket`, which goes through the real services.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.db.backends.sqlite3.base import DatabaseOperations as SqliteOperations
from django.db.models.signals import post_migrate

from hotline.core import workcalendar

if TYPE_CHECKING:
    from hotline.accounts.models import User
    from hotline.orgs.models import HandlingUnit
    from hotline.tickets.tests.factories import Cast


@pytest.fixture(scope="session", autouse=True)
def _flushable_timeline() -> Iterator[None]:
    """Let the test flush empty the timeline on SQLite: drop its triggers around the DELETEs, then restore them.

    The triggers (migration tickets.0002) refuse every DELETE on the timeline, so the flush that ends a
    `transaction=True` test would fail. The flush SQL is wrapped, in its own transaction, with the
    migration's own DROP and CREATE statements. PostgreSQL flushes with TRUNCATE, which its row
    triggers do not see, so nothing is needed there.
    """
    from importlib import import_module

    migration = import_module("hotline.tickets.migrations.0002_timeline_append_only")
    original = SqliteOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):  # noqa: ANN001, ANN003, ANN202
        sql = original(self, style, tables, **kwargs)
        if "tickets_timelineevent" not in tables:
            return sql
        return [*migration.SQLITE_REVERSE, *sql, *migration.SQLITE]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SqliteOperations, "sql_flush", sql_flush)
        yield


def _reseed_policies(sender: object, **kwargs: object) -> None:
    from hotline.tickets.tests.factories import ensure_default_policies

    if kwargs.get("using", "default") == "default":
        ensure_default_policies()


@pytest.fixture(scope="session", autouse=True)
def _reseed_policies_after_flush() -> Iterator[None]:
    """Put the default SLA policies back after a test flush (the flush emits `post_migrate`)."""
    from django.apps import apps

    sender = apps.get_app_config("sla")
    post_migrate.connect(_reseed_policies, sender=sender, dispatch_uid="tests.reseed_policies")
    yield
    post_migrate.disconnect(sender=sender, dispatch_uid="tests.reseed_policies")


@pytest.fixture(scope="session", autouse=True)
def _media_in_a_temporary_directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Uploaded files (attachments) go to a temporary directory, never into the work tree's var/media."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(scope="session", autouse=True)
def _fast_passwords_and_no_public_rate_limits() -> Iterator[None]:
    """Tests hash passwords with MD5 (Argon2 is the real default, proven in hotline/ops/tests), and the
    public endpoints' per-IP limits are off (every test client is 127.0.0.1); tests of those turn them on."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                           HOTLINE_PUBLIC_RATE_LIMITS_ENABLED=False):
        yield


@pytest.fixture(autouse=True)
def _fresh_calendar_overrides() -> Iterator[None]:
    """Forget the working calendar's cached overrides and the online acceptance limit after each test.

    A test that saves a `CalendarOverride` (or `AcceptanceSettings`) reloads the cache, and its rollback
    does not: without this, its value would leak into the next tests for `OVERRIDES_MAX_AGE` seconds.
    """
    from hotline.sla.models import forget_acceptance_limit

    yield
    workcalendar.invalidate_overrides()
    forget_acceptance_limit()  # the same for the online acceptance limit (网上受理时限)


@pytest.fixture(autouse=True)
def _default_language_after_each_test() -> Iterator[None]:
    """Back to the default language after each test.

    A test client's request in English leaves English active in the thread (LocaleMiddleware activates
    it and nothing resets it), so the next test would render English where it expects Chinese.
    """
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def frozen_now() -> Iterator[datetime]:
    """Stop the clock at `factories.NOW` (time-machine, no ticking); yields that moment."""
    from hotline.tickets.tests.factories import NOW

    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def traveller() -> Iterator[time_machine.Coordinates]:
    """Like `frozen_now`, but yields time-machine's coordinates so a test can `.shift()` / `.move_to()`."""
    from hotline.tickets.tests.factories import NOW

    with time_machine.travel(NOW, tick=False) as coordinates:
        yield coordinates


@dataclass
class Org:
    """A small unit tree: centre → district → street_a (→ community_a), street_b; other_district →
    other_street; a city department."""

    centre: HandlingUnit
    district: HandlingUnit
    street_a: HandlingUnit
    street_b: HandlingUnit
    community_a: HandlingUnit
    department: HandlingUnit
    other_district: HandlingUnit
    other_street: HandlingUnit


@pytest.fixture
def org(db: None) -> Org:
    from hotline.orgs.choices import UnitKind
    from hotline.tickets.tests.factories import HandlingUnitFactory as Unit

    centre = Unit(kind=UnitKind.CENTRE, name="12345热线中心")
    district = Unit(kind=UnitKind.DISTRICT, name="东城区", parent=centre)
    street_a = Unit(kind=UnitKind.STREET, name="东华门街道", parent=district)
    street_b = Unit(kind=UnitKind.STREET, name="景山街道", parent=district)
    other_district = Unit(kind=UnitKind.DISTRICT, name="西城区", parent=centre)
    return Org(
        centre=centre,
        district=district,
        street_a=street_a,
        street_b=street_b,
        community_a=Unit(kind=UnitKind.COMMUNITY, name="多福巷社区", parent=street_a),
        department=Unit(kind=UnitKind.DEPARTMENT, name="市城管委", parent=centre),
        other_district=other_district,
        other_street=Unit(kind=UnitKind.STREET, name="西长安街街道", parent=other_district),
    )


@pytest.fixture
def cast(db: None) -> Cast:
    """A fresh cast: centre staff, a lead street (under its own district) and its handler, no assisting unit."""
    from hotline.tickets.tests.factories import Cast

    return Cast.build()


@pytest.fixture
def admin_client(client: Any, db: None) -> Any:
    """The test client signed in as a superuser with the administrator role (`root`), for admin pages.

    Overrides pytest-django's fixture of the same name, whose superuser has no role of the centre.
    """
    from hotline.accounts.choices import Role
    from hotline.tickets.tests.factories import UserFactory

    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True, username="root"))
    return client


@pytest.fixture
def staff(db: None) -> dict[str, User]:
    """One active user per centre role, keyed by the role's value (e.g. `staff["dispatcher"]`)."""
    from hotline.accounts.choices import CENTRE_ROLES
    from hotline.tickets.tests.factories import UserFactory

    return {str(role): UserFactory(role=role) for role in sorted(CENTRE_ROLES)}


@pytest.fixture(autouse=True)
def _notifications_in_memory(settings: Any) -> Iterator[None]:
    """Milestone messages go to an in-memory fake, never to var/outbox.jsonl or a gateway."""
    from hotline.notifications.backends import MemoryNotifier

    settings.HOTLINE_NOTIFIER = "hotline.notifications.backends.MemoryNotifier"
    settings.HOTLINE_NOTIFIERS = {}
    MemoryNotifier.sent.clear()
    yield
    MemoryNotifier.sent.clear()
