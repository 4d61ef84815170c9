"""The portal's incident notices (突发事件公告), as a tag so the portal's views stay as they are:
`{% load incident_notices %}{% public_incident_notices as notices %}`."""

from __future__ import annotations

from django import template

from hotline.incidents.selectors import PublicNotice, public_notices

register = template.Library()


@register.simple_tag
def public_incident_notices() -> list[PublicNotice]:
    """The notices citizens see now: title, notice, start and expected end only."""
    return public_notices()
