"""Append-only rows written with one prebuilt statement: the kit endpoint's stored rows.

`Model.save()` and `bulk_create()` build their SQL anew for every call, and
on POST /api/v1/kits/ that cost more than the three inserts themselves (a
kit, its question links, its audit record). `insert()` writes model
instances and plain rows of values, all or none, with the SQL built once
per model, database and row count, converting every value as the ORM does
(`get_db_prep_save`, after `pre_save` for instances; an int or a str for a
plain integer, text or integer-keyed foreign key column goes in as it is,
the value that conversion would return anyway). Several rows go in one
statement and one round trip: a multi-row `INSERT ... VALUES (...), (...)`
on SQLite, and on PostgreSQL one array per column (`unnest`), whose text and
parameters do not grow with the rows (a fifth less of the server's work per
kit than VALUES, measured). psycopg's `executemany()` opens a pipeline for
every call, which on PostgreSQL cost more than the statement it sends.

Unlike `save()` they send no signals and do not read back database-generated
primary keys (an auto-increment id stays None on the instance): use them for
rows nothing listens to and nobody edits in the same request.
"""

import uuid
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import (
    BigIntegerField,
    CharField,
    ForeignKey,
    IntegerField,
    Model,
    PositiveIntegerField,
    PositiveSmallIntegerField,
    SlugField,
    SmallIntegerField,
    TextField,
)
from django.db.models.fields import AutoFieldMixin

from .sqlite_writers import queued

# Rows per INSERT: well below SQLite's limit on parameters (32,766) for any of our models.
MAX_ROWS = 500
# PostgreSQL takes at most 65,535 parameters in one statement.
MAX_PARAMETERS = 65_535


def insert(
    instances: list[Model] = (), values: dict | None = None, using: str = DEFAULT_DB_ALIAS
) -> None:
    """INSERT model instances (of any models) and rows of values, `{model: [{attname: value}]}`,
    as new rows: all of them or none (in the caller's transaction, if there is one).

    Rows of values have every column but an auto-increment key's, and need no model instances
    built: for many small rows, such as a kit's question links.
    """
    batches = {}
    for obj in instances:
        _, fields = statement(type(obj), using)
        batches.setdefault(type(obj), []).append({f.attname: f.pre_save(obj, True) for f in fields})
    for model, rows in (values or {}).items():
        batches.setdefault(model, []).extend(rows)
    write(batches, using)
    for obj in instances:
        obj._state.adding = False
        obj._state.db = using


def insert_values(model: type[Model], rows: list[dict], using: str = DEFAULT_DB_ALIAS) -> None:
    """INSERT rows of one model given as {attname: value}: `insert(values={model: rows})`."""
    insert(values={model: rows}, using=using)


def write(batches: dict, using: str) -> None:
    connection = connections[using]
    postgresql = connection.vendor == "postgresql"
    statements = []
    for model, rows in batches.items():
        plain = plain_types(model, using)
        for start in range(0, len(rows), MAX_ROWS):
            chunk = rows[start : start + MAX_ROWS]
            arrays = postgresql and len(chunk) > 1
            sql, fields = (
                array_statement(model, using) if arrays else statement(model, using, len(chunk))
            )
            columns = [
                column(chunk, field, kind, connection)
                for field, kind in zip(fields, plain, strict=True)
            ]
            if arrays:
                params = [array_literal(values) for values in columns]
            else:
                params = [value for row in zip(*columns, strict=True) for value in row]
            statements.append((sql, params))
    if not statements:
        return
    if (
        postgresql
        and len(statements) > 1
        and sum(len(params) for _, params in statements) <= MAX_PARAMETERS
    ):
        # One statement, atomic by itself: every INSERT but the last in a data-modifying WITH.
        # Django's foreign keys are checked at commit (DEFERRABLE INITIALLY DEFERRED), so the
        # order in which PostgreSQL runs the parts does not matter.
        parts = ", ".join(f'"insert_{i}" AS ({sql})' for i, (sql, _) in enumerate(statements[:-1]))
        statements = [
            (f"WITH {parts} {statements[-1][0]}", [p for _, params in statements for p in params])
        ]
    # On SQLite, in the queue of writers when the transaction is ours (see sqlite_writers.py).
    with queued(connection):
        if len(statements) == 1 and not connection.in_atomic_block:
            # Atomic by itself: no BEGIN and COMMIT to send, in autocommit.
            with connection.cursor() as cursor:
                cursor.execute(*statements[0])
            return
        # In a transaction (a savepoint in the caller's): the caller's work survives a failure.
        with transaction.atomic(using), connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)


def prepared(row: dict, field, kind, connection):
    """The row's value for the field as the database takes it (see `plain_types`)."""
    value = row[field.attname]
    return value if type(value) is kind else field.get_db_prep_save(value, connection)


def column(rows: list[dict], field, kind, connection) -> list:
    """The rows' values for the field as the database takes them, each object converted once:
    the same kit's id in each of its links, say."""
    values, last, converted = [], None, None
    for row in rows:
        value = row[field.attname]
        if value is not last or not values:
            last, converted = value, prepared(row, field, kind, connection)
        values.append(converted)
    return values


@cache
def statement(model: type[Model], using: str, rows: int = 1) -> tuple[str, list]:
    """The INSERT of `rows` rows of the model's columns (but an auto-increment primary key)."""
    meta, name = model._meta, connections[using].ops.quote_name
    fields = [f for f in meta.concrete_fields if not (f.primary_key and f.db_returning)]
    values = "({})".format(", ".join(["%s"] * len(fields)))
    sql = "INSERT INTO {} ({}) VALUES {}".format(
        name(meta.db_table),
        ", ".join(name(f.column) for f in fields),
        ", ".join([values] * rows),
    )
    return sql, fields


@cache
def array_statement(model: type[Model], using: str) -> tuple[str, list]:
    """PostgreSQL: the INSERT of any number of rows given as one array per column (`unnest`).

    Its text and its parameters are the same whatever the number of rows: psycopg keeps the
    converted text of a statement only up to 50 parameters (a kit's twelve links in VALUES
    took 36), and the server prepares it once for every kit's number of questions.
    """
    connection = connections[using]
    meta, name = model._meta, connection.ops.quote_name
    fields = statement(model, using)[1]
    sql = "INSERT INTO {} ({}) SELECT * FROM unnest({})".format(
        name(meta.db_table),
        ", ".join(name(f.column) for f in fields),
        ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields),
    )
    return sql, fields


def array_literal(values: list):
    """PostgreSQL's text for an array of ints, strings or UUIDs (None for NULL), which the
    statement casts to the column's array type; any other values as they are, for psycopg
    to adapt. psycopg adapts a list item by item in Python: for a kit's links, a third of
    the client's work on its INSERT."""
    items = []
    for value in values:
        kind = type(value)
        if value is None:
            items.append("NULL")
        elif kind is int:
            items.append(str(value))
        elif kind is uuid.UUID:
            items.append(value.hex)
        elif kind is str:
            items.append('"{}"'.format(value.replace("\\", "\\\\").replace('"', '\\"')))
        else:
            return values
    return "{{{}}}".format(",".join(items))


# Columns whose conversion returns an int or a str given as it is: (field classes, the type).
# Exact classes: a subclass may convert differently (EmailField is a CharField, and so on).
PLAIN_COLUMNS = (
    (
        {
            IntegerField,
            BigIntegerField,
            SmallIntegerField,
            PositiveIntegerField,
            PositiveSmallIntegerField,
        },
        int,
    ),
    ({CharField, SlugField, TextField}, str),
)


@cache
def plain_types(model: type[Model], using: str) -> list:
    """Per column of `statement(model)`, the type of the values it takes as they are, or None
    (every value converted by the field)."""
    return [plain_type(field) for field in statement(model, using)[1]]


def plain_type(field):
    if isinstance(field, ForeignKey):
        target = field.target_field
        # An integer key (AutoField, BigAutoField, an IntegerField): int in, int out.
        if isinstance(target, AutoFieldMixin) or type(target) in PLAIN_COLUMNS[0][0]:
            return int
        return None
    for classes, kind in PLAIN_COLUMNS:
        if type(field) in classes:
            return kind
    return None
