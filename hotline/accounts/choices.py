"""Roles of the people who work in the platform."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user does at the centre or in a unit."""

    INTAKE = "intake", _("受理员")
    DISPATCHER = "dispatcher", _("派单员")
    UNIT_HANDLER = "unit_handler", _("承办人")
    UNIT_ADMIN = "unit_admin", _("单位管理员")
    SUPERVISOR = "supervisor", _("督办员")
    INSPECTOR = "inspector", _("质检员")
    LEADER = "leader", _("领导")
    ADMIN = "admin", _("系统管理员")


UNIT_ROLES = frozenset({Role.UNIT_HANDLER, Role.UNIT_ADMIN})
CENTRE_ROLES = frozenset(set(Role) - UNIT_ROLES)
