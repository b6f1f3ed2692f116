"""Appending many rows fast, for the tables a first sync fills by the hundred thousand."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.db.models import Model


def insert_rows(model: type[Model], fields: list[str], rows: list[tuple]) -> None:
    """Append rows fast: COPY on PostgreSQL, multi-row INSERTs elsewhere.

    A first sync writes hundreds of thousands of allocation rows; a model instance per row
    costs several times the write, and COPY is several times faster than INSERT statements.
    """
    if not rows:
        return
    opts = model._meta
    columns = ", ".join(connection.ops.quote_name(opts.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            encode = _json_encoders(opts, fields)
            with cursor.cursor.copy(f"COPY {_table(model)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(encode(row) if encode else row)
            return
        row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
        per_statement = max(1, (connection.features.max_query_params or 999) // len(fields))
        prepared = _db_values(opts, fields, rows)
        for start in range(0, len(prepared), per_statement):
            chunk = prepared[start : start + per_statement]
            values = ", ".join([row_sql] * len(chunk))
            sql = f"INSERT INTO {_table(model)} ({columns}) VALUES {values}"  # noqa: S608 - as above
            cursor.execute(sql, [value for row in chunk for value in row])


_PLAIN_TYPES = {"BigIntegerField", "IntegerField", "CharField", "TextField", "BooleanField"}


def _db_values(opts: Any, fields: list[str], rows: list[tuple]) -> list[tuple]:
    """Each value as its field would send it (a UUID key, a date on SQLite), memoized per
    distinct value: the org and the days repeat across thousands of rows."""
    preparers = []
    for name in fields:
        field = opts.get_field(name)
        if field.get_internal_type() in _PLAIN_TYPES:
            preparers.append(None)
            continue
        if field.get_internal_type() == "JSONField":  # lists and dicts: nothing to memoize on
            preparers.append(lambda value, field=field: field.get_db_prep_save(value, connection))
            continue
        prepared: dict[Any, Any] = {}

        def prepare(value: Any, field: Any = field, prepared: dict = prepared) -> Any:
            if value not in prepared:
                prepared[value] = field.get_db_prep_save(value, connection)
            return prepared[value]

        preparers.append(prepare)
    return [
        tuple(
            value if preparer is None else preparer(value)
            for preparer, value in zip(preparers, row, strict=True)
        )
        for row in rows
    ]


def _json_encoders(opts: Any, fields: list[str]):
    """COPY takes JSON columns as text: encode those values, leave the others to psycopg."""
    positions = [
        i for i, name in enumerate(fields) if opts.get_field(name).get_internal_type() == "JSONField"
    ]
    if not positions:
        return None

    def encode(row: tuple) -> tuple:
        values = list(row)
        for position in positions:
            values[position] = json.dumps(values[position])
        return tuple(values)

    return encode


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)
