"""Roles of the people who work in the platform."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.orgs.choices import UnitKind


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


def unit_fits_role(role: str, unit_kind: str) -> bool:
    """Whether someone of this role may act for a unit of this kind (a membership, an API key's unit).

    A unit role (承办人, 单位管理员) acts for handling units, never for the hotline centre: a membership of the
    centre, the root of the tree, would show every unit's orders. A centre role acts for the centre only.
    """
    return (unit_kind == UnitKind.CENTRE) == (role in CENTRE_ROLES)
