"""Webhook tests resolve names without the network; `allow_private` lets them deliver to 127.0.0.1."""

from hotline.webhooks.tests.offline_dns import _offline_dns, allow_private  # noqa: F401 - fixtures
