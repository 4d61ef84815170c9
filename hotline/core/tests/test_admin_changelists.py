"""Admin changelists do not query once per row: every nullable foreign key they show is joined.

Django joins the non-null foreign keys of `list_display` by itself, but not the nullable ones; on a
100-row page each would cost a query per row (and more if its text reads another relation).
"""

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist

import hotline.urls  # noqa: F401  (registers every app's admin)


def _joined(model_admin: admin.ModelAdmin, name: str) -> bool:
    related = model_admin.list_select_related
    if related is True:
        return True
    return any(path == name or path.startswith(f"{name}__") for path in related or ())


def test_every_nullable_foreign_key_shown_in_a_changelist_is_joined() -> None:
    missing = []
    for model, model_admin in admin.site._registry.items():
        for name in model_admin.list_display:
            if not isinstance(name, str):
                continue
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.many_to_one and field.null and not _joined(model_admin, name):
                missing.append(f"{model._meta.label}.{name}")
    assert not missing, f"add to list_select_related: {missing}"
