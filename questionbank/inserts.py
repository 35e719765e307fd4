"""Append-only rows written with one prepared statement: the kit endpoint's stored rows.

`Model.save()` and `bulk_create()` build their SQL anew for every call, and
on POST /api/v1/kits/ that cost more than the three inserts themselves (a
kit, its question links, its audit record). `insert()` writes instances of
one model, `insert_values()` plain rows of values, with the SQL built once
per model and database, converting every value as the ORM does
(`get_db_prep_save`, after `pre_save` for instances).

Unlike `save()` they send no signals and do not read back database-generated
primary keys (an auto-increment id stays None on the instance): use them for
rows nothing listens to and nobody edits in the same request.
"""

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model


def insert(instances: list[Model], using: str = DEFAULT_DB_ALIAS) -> None:
    """INSERT the instances, all of one model, as new rows (in the caller's transaction)."""
    if not instances:
        return
    model = type(instances[0])
    _, fields = statement(model, using)
    insert_values(
        model, [{f.attname: f.pre_save(obj, True) for f in fields} for obj in instances], using
    )
    for obj in instances:
        obj._state.adding = False
        obj._state.db = using


def insert_values(model: type[Model], rows: list[dict], using: str = DEFAULT_DB_ALIAS) -> None:
    """INSERT rows given as {attname: value} (every column but an auto-increment key's), with no
    model instances built: for many small rows, such as a kit's question links."""
    if not rows:
        return
    connection = connections[using]
    sql, fields = statement(model, using)
    params = [
        [field.get_db_prep_save(row[field.attname], connection) for field in fields] for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


@cache
def statement(model: type[Model], using: str) -> tuple[str, list]:
    """The INSERT for the model's columns, but an auto-increment primary key's."""
    meta, name = model._meta, connections[using].ops.quote_name
    fields = [f for f in meta.concrete_fields if not (f.primary_key and f.db_returning)]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        name(meta.db_table),
        ", ".join(name(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    return sql, fields
