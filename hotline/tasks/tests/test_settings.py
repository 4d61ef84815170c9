"""Configuration from the environment: database URLs, Redis, and what the production profile refuses."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from hotline import settings as hotline_settings

GOOD_KEY = "k" * 60
PRODUCTION = {
    "HOTLINE_PROFILE": "production", "HOTLINE_SECRET_KEY": GOOD_KEY, "HOTLINE_ALLOWED_HOSTS": "12345.example.gov.cn",
    "HOTLINE_DATABASE_URL": "postgres://hotline:s3cr%40t@db.internal:5433/hotline?sslmode=require",
    "HOTLINE_REDIS_URL": "redis://10.0.0.5:6379/0",
}
PROBE = ("import json; from django.conf import settings as s; print(json.dumps({'db': s.DATABASES['default'], "
         "'cache': s.CACHES['default'], 'broker': s.CELERY_BROKER_URL, 'eager': s.CELERY_TASK_ALWAYS_EAGER, "
         "'hosts': s.ALLOWED_HOSTS, 'profile': s.HOTLINE_PROFILE}, default=str))")


def load(env: dict[str, str]) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with only these HOTLINE_* variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    clean |= {"DJANGO_SETTINGS_MODULE": "hotline.settings", "HOTLINE_VAR_DIR": str(django_settings.VAR_DIR)} | env
    return subprocess.run([sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True,  # noqa: S603
                          timeout=120, check=False)


def test_postgres_url_with_credentials_port_and_options() -> None:
    db = hotline_settings.database_from_url("postgresql://hot%20line:p%40ss%3Aw@db.internal:5433/city?sslmode=require")
    assert db["ENGINE"] == "hotline.core.postgres"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == \
        ("city", "hot line", "p@ss:w", "db.internal", "5433")
    assert db["OPTIONS"] == {"sslmode": "require"} | hotline_settings._binding_options(hotline_settings.DB_PREPARE_THRESHOLD)
    assert db["CONN_MAX_AGE"] == hotline_settings.DB_CONN_MAX_AGE and db["CONN_HEALTH_CHECKS"] is True
    assert db["TEST"]["NAME"] == os.environ.get("HOTLINE_TEST_DATABASE_NAME", "test_city")


def test_postgres_over_a_unix_socket_with_peer_authentication() -> None:
    db = hotline_settings.database_from_url("postgres:///hotline?host=/var/run/postgresql&prepare_threshold=client")
    assert (db["NAME"], db["USER"], db["HOST"], db["PORT"], db["OPTIONS"]) == \
        ("hotline", "", "/var/run/postgresql", "", {})


@pytest.mark.parametrize(("threshold", "options"), [
    ("5", {"server_side_binding": True, "prepare_threshold": 5}),
    ("0", {"server_side_binding": True, "prepare_threshold": 0}),
    ("off", {"server_side_binding": True}),
    ("client", {}),
])
def test_parameters_are_bound_on_the_server_and_statements_prepared_unless_told_otherwise(
        threshold: str, options: dict) -> None:
    db = hotline_settings.database_from_url(f"postgres://u@db/city?prepare_threshold={threshold}")
    assert db["OPTIONS"] == options


def test_a_prepare_threshold_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="HOTLINE_DB_PREPARE_THRESHOLD"):
        hotline_settings.database_from_url("postgres://u@db/city?prepare_threshold=sometimes")


def test_sqlite_urls_relative_and_absolute() -> None:
    relative = hotline_settings.database_from_url("sqlite:///var/other.sqlite3")
    assert relative["NAME"] == str(hotline_settings.BASE_DIR / "var" / "other.sqlite3")
    assert relative["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert hotline_settings.database_from_url("sqlite:////srv/hotline/db.sqlite3")["NAME"] == "/srv/hotline/db.sqlite3"


@pytest.mark.parametrize("url", ["mysql://u@h/db", "postgres://u@h:5432/", "sqlite://", "nonsense"])
def test_unusable_database_urls_are_refused(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="HOTLINE_DATABASE_URL"):
        hotline_settings.database_from_url(url)


def test_the_cache_sits_beside_the_broker_in_the_next_redis_database() -> None:
    assert hotline_settings._redis_db("redis://:pw@10.0.0.5:6379/0", 1) == "redis://:pw@10.0.0.5:6379/1"
    assert hotline_settings._redis_db("redis://127.0.0.1:6390", 1) == "redis://127.0.0.1:6390/1"


def test_the_embedded_profile_needs_nothing() -> None:
    loaded = load({})
    assert loaded.returncode == 0, loaded.stderr
    conf = json.loads(loaded.stdout)
    assert conf["profile"] == "dev" and conf["db"]["ENGINE"] == "django.db.backends.sqlite3"
    assert conf["eager"] is True and conf["broker"] == "memory://"
    assert conf["cache"]["BACKEND"].endswith("LocMemCache") and "localhost" in conf["hosts"]


def test_the_production_profile_with_everything_set() -> None:
    loaded = load(PRODUCTION)
    assert loaded.returncode == 0, loaded.stderr
    conf = json.loads(loaded.stdout)
    assert conf["db"]["ENGINE"] == "hotline.core.postgres" and conf["db"]["PASSWORD"] == "s3cr@t"
    assert conf["broker"] == "redis://10.0.0.5:6379/0" and conf["eager"] is False
    assert conf["cache"]["BACKEND"].endswith("RedisCache") and conf["cache"]["LOCATION"] == "redis://10.0.0.5:6379/1"
    # the public name, and the loopback names for probes on the server itself (docs/deploy.md)
    assert conf["hosts"] == ["12345.example.gov.cn", "127.0.0.1", "localhost", "[::1]"]


@pytest.mark.parametrize(("change", "complaint"), [
    ({"HOTLINE_SECRET_KEY": ""}, "HOTLINE_SECRET_KEY"),
    ({"HOTLINE_SECRET_KEY": "dev-only-insecure-key-change-me"}, "HOTLINE_SECRET_KEY"),
    ({"HOTLINE_SECRET_KEY": "short"}, "HOTLINE_SECRET_KEY"),
    ({"HOTLINE_ALLOWED_HOSTS": ""}, "HOTLINE_ALLOWED_HOSTS"),
    ({"HOTLINE_DATABASE_URL": ""}, "HOTLINE_DATABASE_URL"),
    ({"HOTLINE_REDIS_URL": ""}, "HOTLINE_REDIS_URL"),
    ({"HOTLINE_PROFILE": "staging"}, "HOTLINE_PROFILE"),
])
def test_the_production_profile_refuses_to_start_without_its_settings(change: dict, complaint: str) -> None:
    loaded = load(PRODUCTION | change)
    assert loaded.returncode != 0
    assert "ImproperlyConfigured" in loaded.stderr and complaint in loaded.stderr
