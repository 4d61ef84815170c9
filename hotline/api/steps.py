"""Lifecycle steps over JSON: each workbench step form becomes a request body schema, and a JSON body
becomes that form's data, so the API validates every step exactly as the pages do.

Field mapping (form → JSON): text → string (an optional one may be null, read as blank); choice → enum; yes/no choice → boolean; integer → integer;
checkbox → boolean; unit → unit `code`; several units → list of codes. Every body also carries the
`version` of the order the caller saw (the optimistic lock).
"""

from typing import Annotated, Any, Literal

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from hotline.api.errors import ApiError
from hotline.orgs.models import HandlingUnit
from hotline.tickets.models import Ticket
from hotline.workbench.actions import STEPS, StepSpec

_YES_NO = {"1", "0"}


def _not_a_bool(value: Any) -> Any:
    """JSON true/false is not a number: `{"days": true}` must not file a one-day extension.

    The message is worded when raised (validation runs inside the request), so `details[].msg` is in the
    caller's language (`field_errors` passes a `value_error`'s text on as it is)."""
    if isinstance(value, bool):
        raise ValueError(_("须为整数，不能是 true/false"))
    return value


#: A whole number that refuses booleans (pydantic's lax mode would read true as 1).
Whole = Annotated[int, BeforeValidator(_not_a_bool)]


def _choice_values(field: forms.ChoiceField) -> list[Any]:
    return [value for value, _label in field.choices if value not in ("", None)]


def _is_yes_no(field: forms.Field) -> bool:
    return isinstance(field, forms.TypedChoiceField) and {str(v) for v in _choice_values(field)} <= _YES_NO


def _annotation(field: forms.Field) -> tuple[Any, Any]:
    """The pydantic type and default of one form field."""
    required = field.required
    description = str(field.label or "")
    if isinstance(field, forms.ModelMultipleChoiceField):
        return list[str], Field(default_factory=list, description=f"{description}（单位编码列表）")
    if isinstance(field, forms.ModelChoiceField):
        if required:
            return str, Field(min_length=1, max_length=32, description=f"{description}（单位编码）")
        return str | None, Field(None, max_length=32, description=f"{description}（单位编码）")
    if isinstance(field, forms.NullBooleanField):
        return bool | None, Field(None, description=description)
    if isinstance(field, forms.BooleanField):
        return bool, Field(False, description=description)
    if _is_yes_no(field):
        if required:
            return bool, Field(description=description)
        return bool | None, Field(None, description=description)
    if isinstance(field, forms.ChoiceField):
        values = _choice_values(field)
        kind = Literal[tuple(values)]  # type: ignore[valid-type]
        if required:
            return kind, Field(description=description)
        return kind | None, Field(None, description=description)
    if isinstance(field, forms.IntegerField):
        bounds = {"ge": field.min_value, "le": field.max_value}
        if required:
            return Whole, Field(description=description, **bounds)
        return Whole | None, Field(None, description=description, **bounds)
    if isinstance(field, forms.CharField):
        if required:
            return str, Field(min_length=1, max_length=field.max_length, description=description)
        # An optional text may be sent as null, read as left blank (工单更正: as it is).
        return str | None, Field("", max_length=field.max_length, description=description)
    raise TypeError(f"no JSON mapping for {type(field).__name__}")  # pragma: no cover - caught by tests


def body_model(spec: StepSpec) -> type[BaseModel]:
    """The request body of one step: its form's fields plus the expected `version`."""
    fields: dict[str, Any] = {
        "version": (Whole, Field(ge=1, le=2_147_483_647, description="调用方看到的工单版本号（乐观锁）")),
    }
    for name, field in spec.form().fields.items():
        fields[name] = _annotation(field)
    name = "".join(part.title() for part in spec.action.split("_")) + "Step"
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


BODIES: dict[str, type[BaseModel]] = {action: body_model(spec) for action, spec in STEPS.items()}


def _unit_pk(code: str | None, field: str) -> str:
    if code in (None, ""):
        return ""
    pk = HandlingUnit.objects.filter(code=code).values_list("pk", flat=True).first()
    if pk is None:
        message = _("未知的单位编码「%(code)s」") % {"code": code}
        raise ApiError(400, "validation_error", message, {field: [message]})
    return str(pk)


def form_data(spec: StepSpec, body: BaseModel) -> dict[str, Any]:
    """The form data of a JSON body, ready to bind to the step's form."""
    data: dict[str, Any] = {}
    for name, field in spec.form().fields.items():
        value = getattr(body, name, None)
        if isinstance(field, forms.ModelMultipleChoiceField):
            data[name] = [_unit_pk(code, name) for code in value or []]
        elif isinstance(field, forms.ModelChoiceField):
            data[name] = _unit_pk(value, name)
        elif isinstance(field, forms.NullBooleanField):
            data[name] = "" if value is None else ("true" if value else "false")
        elif isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif _is_yes_no(field):
            data[name] = "" if value is None else ("1" if value else "0")
        else:
            data[name] = "" if value is None else str(value)
    return data


def validated(spec: StepSpec, body: BaseModel, orders: QuerySet[Ticket] | None = None,
              ticket: Ticket | None = None) -> dict[str, Any]:
    """The cleaned data of the step's form for this body, or a 400 with the form's errors per field.

    A form that names another order (`scoped`, e.g. the master of a merge) looks it up in `orders`, the
    orders the caller may see, so an order the caller may not see reads as an unknown one. A form that
    fits the order (`per_order`, e.g. 回访: a proactive order's 现场核查 asks neither `contacted` nor
    `satisfaction`, a citizen's order requires `contacted`) is given `ticket`.
    """
    kwargs: dict[str, Any] = {}
    if getattr(spec.form, "scoped", False):
        kwargs["orders"] = orders
    if getattr(spec.form, "per_order", False):
        kwargs["ticket"] = ticket
    form = spec.form(form_data(spec, body), **kwargs)
    if not form.is_valid():
        details = {field: [str(e) for e in errors] for field, errors in form.errors.items()}
        raise ApiError(400, "validation_error", _("参数校验失败"), details)
    return form.cleaned_data

