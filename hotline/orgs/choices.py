"""Vocabulary of the organisation tree."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    """Kinds of handling unit (承办单位), from the centre down to communities."""

    CENTRE = "centre", _("热线中心")
    DEPARTMENT = "department", _("市直部门")
    UTILITY = "utility", _("公共服务企业")
    DISTRICT = "district", _("区政府")
    STREET = "street", _("街道/乡镇")
    COMMUNITY = "community", _("社区/村")
    ENTERPRISE = "enterprise", _("企业")
