"""Spreadsheet import/export of questions: preview, validation by row and column, atomicity,
round trip, in the admin and through the resource."""

import io

import pytest
import tablib
from django.urls import reverse
from openpyxl import load_workbook

from questionbank.models import Question, RubricLevel
from questionbank.spreadsheets import RUBRIC_COLUMNS, QuestionResource
from tests.factories import CompetencyFactory, QuestionFactory, RoleFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:questionbank_question_import")
PROCESS_URL = reverse("admin:questionbank_question_process_import")
EXPORT_URL = reverse("admin:questionbank_question_export")


@pytest.fixture
def bank():
    empathy = CompetencyFactory(slug="empathy")
    RoleFactory(slug="inbound")
    QuestionFactory(code="empathy-01", competency=empathy, text_nl="Vertel eens.")
    QuestionFactory(code="empathy-02", competency=empathy, rubric=False)
    return empathy


def export_dataset():
    return QuestionResource().export()


def row(**values):
    base = {
        "code": "empathy-10",
        "competency": "empathy",
        "type": "situational",
        "levels": "entry,mid",
        "roles": "inbound",
        "expected_minutes": "6",
        "status": "draft",
        "text_en": "What would you do if a caller cried?",
        "text_nl": "Wat doe je als een beller huilt?",
        "probes_en": "What would you say first?\\nWhen would you end the call?",
        "guidance_en": "Listen for patience.",
    }
    for score in range(1, 6):
        base[f"rubric_{score}_label_en"] = f"Level {score}"
        base[f"rubric_{score}_anchor_en"] = f"What a {score} sounds like."
    base.update(values)
    return base


def dataset(*rows):
    headers = list(rows[0])
    return tablib.Dataset(*[[r.get(h, "") for h in headers] for r in rows], headers=headers)


def test_export_has_every_language_and_the_rubric(bank):
    data = export_dataset()
    assert data.headers[:7] == [
        "code",
        "competency",
        "type",
        "levels",
        "roles",
        "expected_minutes",
        "status",
    ]
    assert set(RUBRIC_COLUMNS) <= set(data.headers)
    assert {"text_nl", "probes_de", "guidance_it"} <= set(data.headers)
    first = data.dict[0]
    assert first["code"] == "empathy-01"
    assert first["competency"] == "empathy"
    assert first["levels"] == "entry"
    assert first["text_nl"] == "Vertel eens."
    assert first["rubric_5_anchor_en"] == "What a 5 answer sounds like."
    assert data.dict[1]["rubric_1_label_en"] == ""


def test_an_exported_file_imports_without_changes(bank):
    before = list(Question.objects.values_list("code", "version", "updated_at"))
    result = QuestionResource().import_data(export_dataset(), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == 2
    assert result.totals["update"] == result.totals["new"] == 0
    assert list(Question.objects.values_list("code", "version", "updated_at")) == before


def test_xlsx_round_trip(bank):
    xlsx = export_dataset().export("xlsx")
    assert load_workbook(io.BytesIO(xlsx)).active["A1"].value == "code"
    result = QuestionResource().import_data(tablib.Dataset().load(xlsx, "xlsx"), dry_run=False)
    assert result.totals["skip"] == 2


def test_a_new_question_with_its_rubric_and_translation(bank):
    result = QuestionResource().import_data(dataset(row()), dry_run=False)
    assert not result.has_validation_errors(), [r.error_dict for r in result.invalid_rows]
    assert result.totals["new"] == 1
    question = Question.objects.get(code="empathy-10")
    assert question.levels == ["entry", "mid"]
    assert [r.slug for r in question.roles.all()] == ["inbound"]
    assert question.text_nl == "Wat doe je als een beller huilt?"
    assert [level.anchor_en for level in question.rubric_levels.order_by("score")][2] == (
        "What a 3 sounds like."
    )


def test_an_update_changes_the_existing_question(bank):
    data = export_dataset()
    rows = data.dict
    rows[0]["text_de"] = "Erzählen Sie."
    rows[0]["rubric_2_anchor_it"] = "Risposta debole."
    result = QuestionResource().import_data(dataset(*rows), dry_run=False)
    assert result.totals["update"] == 1 and result.totals["skip"] == 1
    question = Question.objects.get(code="empathy-01")
    assert question.text_de == "Erzählen Sie."
    assert question.rubric_levels.get(score=2).anchor_it == "Risposta debole."
    assert question.history.count() == 2  # created by the factory, then the import


def test_one_bad_row_changes_nothing_and_names_row_and_column(bank):
    good = row(code="empathy-11")
    bad = row(code="empathy-12", competency="empaty", levels="junior", rubric_3_anchor_en="")
    result = QuestionResource().import_data(dataset(good, bad), dry_run=False)
    assert result.has_validation_errors()
    assert not Question.objects.filter(code__in=["empathy-11", "empathy-12"]).exists()
    [invalid] = result.invalid_rows
    assert invalid.number == 2
    assert invalid.error_dict["competency"] == ["Unknown competency: empaty."]
    assert invalid.error_dict["levels"] == ["Unknown level(s): junior. Use entry, mid, senior."]
    assert "rubric_3_anchor_en" in invalid.error_dict
    # With no valid level left, the model's own rule speaks too.
    assert invalid.error_dict["__all__"] == ["Choose at least one role level the question suits."]


class TestAdmin:
    def upload(self, client, data, fmt="csv"):
        content = data.export(fmt)
        if isinstance(content, str):
            content = content.encode()
        upload = io.BytesIO(content)
        upload.name = f"questions.{fmt}"
        formats = {"csv": 0, "xlsx": 1}
        return client.post(
            IMPORT_URL,
            {"import_file": upload, "format": formats[fmt], "resource": 0},
        )

    def test_import_shows_a_preview_and_writes_only_on_confirm(self, admin_client, bank):
        preview = self.upload(admin_client, dataset(row(), row(code="empathy-01")))
        assert preview.status_code == 200
        page = preview.content.decode()
        assert "New" in page and "Update" in page
        assert not Question.objects.filter(code="empathy-10").exists()
        confirm = preview.context["confirm_form"]
        response = admin_client.post(PROCESS_URL, {**confirm.initial, "resource": 0})
        assert response.status_code == 302
        assert Question.objects.filter(code="empathy-10").exists()
        assert Question.objects.get(code="empathy-01").type == "situational"

    def test_an_invalid_file_shows_errors_and_offers_no_confirm(self, admin_client, bank):
        response = self.upload(admin_client, dataset(row(), row(code="x", expected_minutes="0")))
        assert response.status_code == 200
        assert "confirm_form" not in response.context or response.context["confirm_form"] is None
        page = response.content.decode()
        assert "expected_minutes" in page
        assert not Question.objects.filter(code="empathy-10").exists()

    def test_export_downloads_csv_and_xlsx(self, admin_client, bank):
        response = admin_client.post(EXPORT_URL, {"format": 0, "resource": 0, **export_fields()})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert b"empathy-01" in response.content
        xlsx = admin_client.post(EXPORT_URL, {"format": 1, "resource": 0, **export_fields()})
        assert xlsx.status_code == 200
        assert load_workbook(io.BytesIO(xlsx.content)).active["A2"].value == "empathy-01"


def export_fields():
    """The export form's field selection: every column."""
    return {f"questionresource_{name}": "on" for name in QuestionResource().fields}


def test_rubric_levels_without_rubric_columns_are_kept(bank):
    data = export_dataset()
    keep = [h for h in data.headers if h not in RUBRIC_COLUMNS]
    partial = tablib.Dataset(*[[r[h] for h in keep] for r in data.dict], headers=keep)
    partial_rows = partial.dict
    partial_rows[0]["text_it"] = "Mi racconti."
    QuestionResource().import_data(dataset(*partial_rows), dry_run=False)
    assert RubricLevel.objects.filter(question__code="empathy-01").count() == 5
    assert Question.objects.get(code="empathy-01").text_it == "Mi racconti."


def test_an_unknown_role_is_a_cell_error_not_silently_dropped(bank):
    result = QuestionResource().import_data(dataset(row(roles="inbound,outbound")), dry_run=False)
    [invalid] = result.invalid_rows
    assert invalid.error_dict == {"roles": ["Unknown role(s): outbound."]}
    assert not Question.objects.filter(code="empathy-10").exists()
