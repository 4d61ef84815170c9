"""Keep the working calendar in step with administrator overrides (工作日历调整)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from hotline.core import workcalendar
from hotline.sla.checks import forget_calendar_gaps
from hotline.sla.models import CalendarOverride


@receiver(post_save, sender=CalendarOverride, dispatch_uid="sla.calendar_override_saved")
def calendar_override_saved(sender: type[CalendarOverride], **kwargs: Any) -> None:
    """An override was added or changed: reload the overrides in force (and the admin's calendar warning)."""
    workcalendar.load_overrides_from_db()
    forget_calendar_gaps()


@receiver(post_delete, sender=CalendarOverride, dispatch_uid="sla.calendar_override_deleted")
def calendar_override_deleted(sender: type[CalendarOverride], **kwargs: Any) -> None:
    """An override was removed: reload the overrides in force (and the admin's calendar warning)."""
    workcalendar.load_overrides_from_db()
    forget_calendar_gaps()
