"""The big lists read a page through an index, in the list's order: they never sort every row.

Without the indexes a page of the kit list sorted every stored kit, snapshots included (0.7 s
at 60,000 kits on SQLite, 1.7 s for page 300), and a page of the question list every question
with its texts in four languages (0.2 s at 100,000 questions, 0.8 s for page 1,000). The plan
is the database's own, asked with EXPLAIN for the query the API runs; on PostgreSQL with
sorting and sequential scans discouraged, since on tables this small it would rightly use them.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from questionbank.models import Question
from tests.factories import QuestionFactory
from tests.test_api_kits import build_role, post_kit

pytestmark = pytest.mark.django_db


def page_query(client, path, params, table) -> str:
    """The SQL of the query that reads the page (the one with a LIMIT)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200, response.json()
    (sql,) = [q["sql"] for q in queries if f'FROM "{table}"' in q["sql"] and "LIMIT" in q["sql"]]
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
    text = plan(page_query(api, "/api/v1/kits/", params, "questionbank_kit"))
    assert index in text, text
    assert "TEMP B-TREE" not in text and "Sort" not in text, text


@pytest.mark.parametrize(("page", "size"), [(1, 50), (2, 2)])
def test_a_page_of_the_question_list_is_sorted_from_an_index(api, page, size):
    build_role()
    QuestionFactory.create_batch(3)
    params = {"page": page, "page_size": size}
    sql = page_query(api, "/api/v1/questions/", params, "questionbank_question")
    assert sql.startswith('SELECT "questionbank_question"."id" AS "pk" FROM'), sql  # ids only
    text = plan(sql)
    assert "question_competency_code" in text, text
    if connection.vendor == "sqlite":  # read in order from the indexes: nothing to sort
        assert "TEMP B-TREE" not in text, text
    # The page holds the rows of those ids, in the list's order.
    codes = [code for _, code in sorted(Question.objects.values_list("competency__slug", "code"))]
    body = api.get("/api/v1/questions/", params).json()
    assert [q["code"] for q in body["results"]] == codes[(page - 1) * size : page * size]


def test_a_row_gone_between_the_ids_and_the_rows_is_left_out(monkeypatch):
    from questionbank.paginators import IdFirstPaginator

    QuestionFactory.create_batch(3)
    queryset = Question.objects.order_by("code")
    codes = list(queryset.values_list("code", flat=True))
    in_bulk = type(queryset).in_bulk

    def in_bulk_after_a_delete(self, ids):
        Question.objects.filter(code=codes[1]).delete()  # as by another request, meanwhile
        return in_bulk(self, ids)

    monkeypatch.setattr(type(queryset), "in_bulk", in_bulk_after_a_delete)
    page = IdFirstPaginator(queryset, 10).page(1)
    assert [q.code for q in page.object_list] == [codes[0], codes[2]]
