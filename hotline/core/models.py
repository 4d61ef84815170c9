"""Model pieces shared by the apps."""

from __future__ import annotations

from typing import Any, Self

from django.db import models


class OneRow(models.Model):
    """A settings table of one row (回访设置, 派单推荐设置, 网上受理时限): the row is always pk 1.

    The settings are read as pk 1 (`current()`), so a row saved from the admin's add form — which would
    take the sequence's next value (2 after any rolled-back insert on PostgreSQL) — is saved as pk 1 too,
    and a second add updates that row instead of adding one nobody reads.
    """

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> Self:
        """The one settings row (created with the defaults on first use). Settings read on every order
        step override this to keep the row per task (`core.memo`)."""
        return cls.objects.get_or_create(pk=1)[0]
