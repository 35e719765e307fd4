"""Fresh planner statistics after a bulk load (generate_bank, restore_bank).

PostgreSQL plans from statistics that autovacuum refreshes a while after a
big change. Until then, right after loading 100,000 questions, it plans for
an empty table: a page of the question list read its 250 rubric levels by
scanning all 500,000 (0.36 s instead of 0.13 s). `ANALYZE` of the loaded
tables takes a second at that size. SQLite is left alone: without statistics
its planner reads the indexes the list and kit queries are built for (the
tests check those plans), and `ANALYZE` could change that.
"""

from django.db import DEFAULT_DB_ALIAS, connections


def refresh_statistics(models, using: str = DEFAULT_DB_ALIAS) -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    tables = sorted(
        {model._meta.db_table for model in models}
        | {
            field.remote_field.through._meta.db_table
            for model in models
            for field in model._meta.local_many_to_many
        }
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(map(connection.ops.quote_name, tables)))
