"""Password hashing, security headers, the Content-Security-Policy and the production deploy check."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

import hotline.settings as configured
from hotline.accounts.choices import Role
from hotline.tickets.tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ROOT / "hotline" / "templates"


def test_argon2_is_the_configured_default_and_older_hashers_still_verify() -> None:
    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in configured.PASSWORD_HASHERS


@pytest.mark.django_db
def test_a_sign_in_with_an_argon2_hash_works_and_an_old_hash_is_upgraded(client) -> None:
    with override_settings(PASSWORD_HASHERS=configured.PASSWORD_HASHERS):
        user = UserFactory(username="argon", password="correct horse 12345")
        assert user.password.startswith("argon2$argon2id$")
        response = client.post(reverse("login"), {"username": "argon", "password": "correct horse 12345"})
        assert response.status_code == 302 and "_auth_user_id" in client.session

        from django.contrib.auth.hashers import make_password

        old = UserFactory(username="pbkdf2")
        old.password = make_password("older secret 12345", hasher="pbkdf2_sha256")
        old.save(update_fields=["password"])
        client.logout()
        client.post(reverse("login"), {"username": "pbkdf2", "password": "older secret 12345"})
        old.refresh_from_db()
        assert old.password.startswith("argon2$")


@pytest.mark.django_db
def test_login_lockout_after_repeated_failures(client) -> None:
    UserFactory(username="target", password="right password 1")
    for _ in range(5):
        client.post(reverse("login"), {"username": "target", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "target", "password": "right password 1"})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


@pytest.mark.django_db
def test_every_page_carries_the_security_headers(client) -> None:
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_the_api_docs_get_their_relaxed_policy_and_still_render(client) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert "swagger-ui" in response.content.decode()
    assert "style-src 'self' 'unsafe-inline'" in response["Content-Security-Policy"]
    assert "script-src 'self';" in response["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["dashboard", "dashboard-screen"])
def test_the_echarts_dashboards_render_under_the_policy(client, name: str) -> None:
    client.force_login(UserFactory(role=Role.LEADER))
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = response.content.decode()
    assert "echarts.min.js" in page
    assert not _inline_scripts(page)


_SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def _inline_scripts(html: str) -> list[str]:
    """Script tags that would run inline code: no src= and not a JSON data block."""
    return [attrs for attrs in _SCRIPT.findall(html) if "src=" not in attrs and "application/json" not in attrs]


def test_no_template_has_inline_script_or_event_handlers() -> None:
    """The policy forbids inline script: every template must load its code from static files."""
    offenders = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        if _inline_scripts(text) or _HANDLER.search(text) or "javascript:" in text.lower():
            offenders.append(str(template.relative_to(ROOT)))
    assert offenders == []


def test_htmx_indicator_style_hash_matches_the_vendored_htmx() -> None:
    """The one inline <style> htmx injects is allowed by its hash; a new htmx must refresh it."""
    import base64
    import hashlib

    rule = (".htmx-indicator{opacity:0;visibility: hidden} .htmx-request .htmx-indicator, "
            ".htmx-request.htmx-indicator{opacity:1;visibility: visible;transition: opacity 200ms ease-in}")
    htmx = (ROOT / "hotline" / "static" / "hotline" / "vendor" / "htmx.min.js").read_text(encoding="utf-8")
    assert "{opacity:0;visibility: hidden} `" in htmx and "transition: opacity 200ms ease-in}`" in htmx
    digest = base64.b64encode(hashlib.sha256(rule.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in configured.HOTLINE_CSP


def _production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "DJANGO_"))}
    env.update(HOTLINE_PROFILE="production", HOTLINE_SECRET_KEY=secrets.token_urlsafe(60),
               HOTLINE_ALLOWED_HOSTS="12345.example.gov.cn",
               HOTLINE_DATABASE_URL="postgres://hotline:secret@127.0.0.1:5432/hotline",
               HOTLINE_REDIS_URL="redis://127.0.0.1:6379/0", DJANGO_SETTINGS_MODULE="hotline.settings", **extra)
    return env


def test_production_sessions_last_a_shift_and_end_with_the_browser(tmp_path: Path) -> None:
    code = "from django.conf import settings as s; print(s.SESSION_COOKIE_AGE, s.SESSION_EXPIRE_AT_BROWSER_CLOSE)"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env=_production_env(HOTLINE_VAR_DIR=str(tmp_path)), cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(12 * 3600), "True"]


def test_check_deploy_is_clean_under_the_production_profile(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(HOTLINE_VAR_DIR=str(tmp_path)), cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_are_https_only(tmp_path: Path) -> None:
    code = ("from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT, "
            "s.SECURE_PROXY_SSL_HEADER, s.X_FRAME_OPTIONS, s.LOGGING['handlers']['console']['formatter'])")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env=_production_env(HOTLINE_VAR_DIR=str(tmp_path)), cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "31536000", "True", "True", "True",
                                     "('HTTP_X_FORWARDED_PROTO',", "'https')", "DENY", "json"]
