"""Reference data: handling units, categories, SLA policies, 每月一题 themes (read scope)."""

from django.http import HttpRequest
from ninja import Router

from hotline.api.orders import principal_of
from hotline.api.schemas import COMMON_ERRORS, CategoryOut, SlaPolicyOut, ThemeOut, UnitOut
from hotline.api.scopes import Scope
from hotline.core.labels import label
from hotline.governance.choices import ThemeStatus
from hotline.governance.models import Theme
from hotline.orgs.models import HandlingUnit
from hotline.sla.models import SlaPolicy
from hotline.taxonomy.models import Category

router = Router(tags=["reference"])


@router.get("/units", response={200: list[UnitOut], **COMMON_ERRORS}, operation_id="list_units",
            summary="承办单位（树，按路径排序）")
def list_units(request: HttpRequest):  # noqa: ANN201
    principal_of(request).require(Scope.READ)
    return [{"code": u.code, "name": u.name, "kind": u.kind, "parent": u.parent.code if u.parent else None,
             "depth": u.depth, "phone": u.phone, "is_active": u.is_active}
            for u in HandlingUnit.objects.select_related("parent").order_by("path")]


@router.get("/categories", response={200: list[CategoryOut], **COMMON_ERRORS}, operation_id="list_categories",
            summary="诉求分类（三级）")
def list_categories(request: HttpRequest):  # noqa: ANN201
    principal_of(request).require(Scope.READ)
    return [{"id": c.pk, "name": c.name, "full_name": c.full_name, "level": c.level, "parent_id": c.parent_id,
             "is_utility": c.is_utility, "is_active": c.is_active} for c in Category.objects.order_by("full_name")]


@router.get("/sla-policies", response={200: list[SlaPolicyOut], **COMMON_ERRORS}, operation_id="list_sla_policies",
            summary="时限规则")
def list_sla_policies(request: HttpRequest):  # noqa: ANN201
    principal_of(request).require(Scope.READ)
    return [{"id": p.pk, "name": p.name, "urgency": p.urgency, "category_id": p.category_id,
             "utility_only": p.utility_only, "difficult_only": p.difficult_only, "priority": p.priority,
             "sign_amount": p.sign_amount, "sign_unit": p.sign_unit, "reply_amount": p.reply_amount,
             "reply_unit": p.reply_unit, "close_amount": p.close_amount, "close_unit": p.close_unit,
             "return_amount": p.return_amount, "return_unit": p.return_unit,
             "yellow_ratio": float(p.yellow_ratio), "is_active": p.is_active} for p in SlaPolicy.objects.all()]


@router.get("/themes", response={200: list[ThemeOut], **COMMON_ERRORS}, operation_id="list_themes",
            summary="每月一题专题（新建主动发现工单时以 theme 关联）")
def list_themes(request: HttpRequest):  # noqa: ANN201
    principal = principal_of(request)
    principal.require(Scope.READ)
    themes = Theme.objects.filter(pk__in=principal.themes().values("pk")).select_related("lead")
    return [{"id": t.pk, "title": t.title, "status": t.status, "status_label": label(ThemeStatus, t.status),
             "month": f"{t.month:%Y-%m}", "lead": {"code": t.lead.code, "name": t.lead.name},
             "due_date": t.due_date} for t in themes.order_by("-month", "-id")]
