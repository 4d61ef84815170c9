"""Appending rows with an INSERT built once per process, for the few writes on the intake path.

    insert_rows(Ticket, [ticket])          # its id is set already: written as is
    insert_rows(TimelineEvent, events)     # their ids come back and are set on the objects
    insert_rows(AccessRecord, rows, read_ids=False)  # new ids not read back (nothing waits for them)

The ORM compiles the INSERT of every `save()` and `bulk_create()` anew: for an API creation that was
about a tenth of the request's CPU, for two statements that never change. Here the statement is built
once per (model, row count, with or without ids) and the values are prepared exactly as the ORM
prepares them (`Field.pre_save(obj, add=True)`, so `auto_now` fields are stamped, then
`get_db_prep_save`), so the stored rows are the ones `save(force_insert=True)` / `bulk_create` would
store. Tests compare the two column by column.

No model signals are sent and no `save()` override runs: callers send what they need. A model or a
value this shortcut does not cover (a database default or generated column, an expression as a value,
a database without RETURNING) goes through `bulk_create` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model
from django.db.models.fields import NOT_PROVIDED

#: (model, rows, ids given, ids read back, database vendor) -> (SQL, fields in column order)
_statements: dict[tuple[type[Model], int, bool, bool, str], tuple[str, list[Field]]] = {}


#: Per model: whether `insert_rows` writes it itself (looked at once per process).
_models_covered: dict[type[Model], bool] = {}


def _covered(model: type[Model]) -> bool:
    if model not in _models_covered:
        meta = model._meta
        _models_covered[model] = (
            not meta.parents and meta.db_returning_fields == [meta.pk]
            and all(f.db_default is NOT_PROVIDED and not f.generated for f in meta.local_concrete_fields))
    return _models_covered[model]


def _statement(model: type[Model], rows: int, with_ids: bool, read_ids: bool,
               connection: Any) -> tuple[str, list[Field]]:
    key = (model, rows, with_ids, read_ids, connection.vendor)
    if key not in _statements:
        meta, quote = model._meta, connection.ops.quote_name
        fields = [f for f in meta.local_concrete_fields if with_ids or f is not meta.pk]
        row = f"({', '.join(['%s'] * len(fields))})"
        sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
               f"VALUES {', '.join([row] * rows)}")
        if read_ids and not with_ids:
            sql += f" RETURNING {quote(meta.pk.column)}"
        _statements[key] = (sql, fields)
    return _statements[key]


def insert_rows(model: type[Model], objs: Sequence[Model], *, using: str | None = None, read_ids: bool = True) -> None:
    """INSERT the objects (all with their ids set, or none) in one statement; ids are set on them if new.

    `read_ids=False`: new ids are not read back (the objects keep `pk` None). Inside `pipelined` the
    statement then waits for no answer and travels with the next one.
    """
    if not objs:
        return
    using = using or router.db_for_write(model, instance=objs[0])
    connection = connections[using]
    with_ids = objs[0].pk is not None
    if any((obj.pk is not None) != with_ids for obj in objs):
        raise ValueError("insert_rows takes objects that all have an id, or none that has one")
    if not _covered(model) or not (with_ids or not read_ids or connection.features.can_return_rows_from_bulk_insert):
        model._default_manager.db_manager(using).bulk_create(objs)
        return
    for obj in objs:  # as bulk_create does: a related object saved after assignment gives its id now
        obj._prepare_related_fields_for_save(operation_name="insert_rows")
    sql, fields = _statement(model, len(objs), with_ids, read_ids, connection)
    values = [field.pre_save(obj, add=True) for obj in objs for field in fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        model._default_manager.db_manager(using).bulk_create(objs)
        return
    params = [field.get_db_prep_save(value, connection) for field, value in zip(fields * len(objs), values, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = cursor.fetchall() if read_ids and not with_ids else None
    for index, obj in enumerate(objs):
        if ids is not None:
            obj.pk = ids[index][0]
        obj._state.adding, obj._state.db = False, using
