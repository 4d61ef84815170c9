"""System checks of sign-in: the networks exempt from the address limit must be networks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from hotline.accounts import address_limit


@checks.register(checks.Tags.security)
def trusted_signin_networks(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """An entry of HOTLINE_TRUSTED_SIGNIN_NETWORKS that is no CIDR (`accounts.E001`): every sign-in would fail."""
    try:
        address_limit.trusted_networks()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), hint="Comma-separated CIDRs, e.g. 203.0.113.0/28,2001:db8:12::/48 "
                                            "(docs/security.md, Sign-in lockout).", id="accounts.E001")]
    return []
