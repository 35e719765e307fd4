"""The kit list reads a page through an index, in the list's order: it never sorts every kit.

A page of the list without the index sorted every stored kit, snapshots included (0.7 s at
60,000 kits on SQLite, 1.7 s for page 300). The plan is the database's own, asked with
EXPLAIN for the query the API runs; on PostgreSQL with sorting discouraged, since on a table
this small it would rightly sort.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.test_api_kits import build_role, post_kit

pytestmark = pytest.mark.django_db


def page_query(client, params) -> str:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/kits/", params)
    assert response.status_code == 200, response.json()
    (sql,) = [
        q["sql"] for q in queries if 'FROM "questionbank_kit"' in q["sql"] and "LIMIT" in q["sql"]
    ]
    return sql


def plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("params", "index"),
    [
        ({}, "kit_created"),
        ({"page": 2, "page_size": 1}, "kit_created"),
        ({"stage": "final"}, "kit_stage_created"),
        ({"role": "agent", "page": 2, "page_size": 1}, "kit_role_created"),
    ],
)
def test_a_page_of_the_kit_list_is_read_in_index_order(api, interviewer_api, params, index):
    build_role()
    for stage in ("first_interview", "final", "final"):
        assert post_kit(interviewer_api, stage=stage).status_code == 201
    text = plan(page_query(api, params))
    assert index in text, text
    assert "TEMP B-TREE" not in text and "Sort" not in text, text
