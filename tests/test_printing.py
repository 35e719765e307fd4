"""Printable kits: the HTML print view and the PDF, in the kit's language."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from questionbank.kits import assemble_kit, store_kit
from questionbank.printing import render_kit_html, render_kit_pdf
from tests.factories import (
    CompetencyFactory,
    QuestionFactory,
    RoleCompetencyFactory,
    RoleFactory,
    RubricLevelFactory,
)

pytestmark = pytest.mark.django_db

LANGS = ["en", "nl", "de", "it"]
LABELS = {
    "en": [
        "Interview kit",
        "Candidate",
        "Interviewer",
        "Time budget",
        "Follow-up probes",
        "What to listen for",
        "Notes",
        "Score",
        "Scoring summary",
        "Recommendation",
        "Strong no",
        "Strong yes",
        "Rules for scoring",
        "First interview",
        "Behavioural",
    ],
    "nl": [
        "Interviewkit",
        "Kandidaat",
        "Interviewer",
        "Beschikbare tijd",
        "Doorvragen",
        "Waar je op let",
        "Aantekeningen",
        "Score",
        "Overzicht van de scores",
        "Advies",
        "Zeker niet",
        "Zeker wel",
        "Regels voor de beoordeling",
        "Eerste gesprek",
        "Gedragsvraag",
    ],
    "de": [
        "Interviewleitfaden",
        "Kandidat/in",
        "Interviewer/in",
        "Zeitrahmen",
        "Nachfragen",
        "Worauf Sie achten",
        "Notizen",
        "Punkte",
        "Bewertungsübersicht",
        "Empfehlung",
        "Klares Nein",
        "Klares Ja",
        "Regeln für die Bewertung",
        "Erstes Vorstellungsgespräch",
        "Verhaltensfrage",
    ],
    "it": [
        "Kit di colloquio",
        "Candidato/a",
        "Intervistatore",
        "Tempo a disposizione",
        "Domande di approfondimento",
        "Cosa ascoltare",
        "Note",
        "Punteggio",
        "Riepilogo dei punteggi",
        "Raccomandazione",
        "Decisamente no",
        "Decisamente sì",
        "Regole per la valutazione",
        "Primo colloquio",
        "Comportamentale",
    ],
}
# English labels that must not survive in another language's kit.
ENGLISH_ONLY = [
    "Interview kit",
    "Candidate",
    "Time budget",
    "Follow-up probes",
    "What to listen for",
    "Notes",
    "Scoring summary",
    "Recommendation",
    "Strong no",
    "Strong yes",
    "Rules for scoring",
    "Weighted total",
    "First interview",
    "Behavioural",
    "Page",
]


def make_kit(language="en", competencies=3, per_competency=2, **question_fields):
    role = RoleFactory(
        slug="agent",
        title_en="Agent",
        title_nl="Klantenservicemedewerker",
        title_de="Kundenberater",
        title_it="Operatore",
    )
    for weight in range(competencies, 0, -1):
        competency = CompetencyFactory(
            name_en=f"Competency {weight}",
            name_nl=f"Competentie {weight}",
            name_de=f"Kompetenz {weight}",
            name_it=f"Competenza {weight}",
        )
        RoleCompetencyFactory(role=role, competency=competency, weight=weight)
        for i in range(per_competency):
            question = QuestionFactory(
                competency=competency,
                type="behavioural",
                rubric=False,
                **{
                    f"text_{lang}": f"[{lang}] question {weight}.{i}: tell me about a call."
                    for lang in LANGS
                },
                **{f"probes_{lang}": f"[{lang}] probe {weight}.{i}" for lang in LANGS},
                **{f"guidance_{lang}": f"[{lang}] listen {weight}.{i}" for lang in LANGS},
                **question_fields,
            )
            for score in range(1, 6):
                RubricLevelFactory(
                    question=question,
                    score=score,
                    **{f"label_{lang}": f"[{lang}] label {score}" for lang in LANGS},
                    **{f"anchor_{lang}": f"[{lang}] anchor {weight}.{i}.{score}" for lang in LANGS},
                )
    kit = assemble_kit(
        role=role,
        stage="first_interview",
        language=language,
        seed=1,
        time_budget_minutes=240,
        questions_per_competency=per_competency,
    )
    return store_kit(kit)


@pytest.mark.parametrize("language", LANGS)
def test_the_print_view_holds_every_question_and_rubric_level(language):
    kit = make_kit(language)
    html = render_kit_html(kit)
    questions = [q for s in kit.content["sections"] for q in s["questions"]]
    assert len(questions) == 6
    for question in questions:
        assert question["text"] in html
        assert question["text"].startswith(f"[{language}]")
        for level in question["rubric"]:
            assert level["anchor"] in html
        assert html.count(f'id="q-{question["code"]}"') == 1
    assert html.count('class="rubric"') == 6
    assert html.count('<tr class="level">') == 30


@pytest.mark.parametrize("language", LANGS)
def test_every_fixed_label_follows_the_kit_language(language):
    html = render_kit_html(make_kit(language))
    for label in LABELS[language]:
        assert label in html, label
    assert f'<html lang="{language}">' in html


@pytest.mark.parametrize("language", ["nl", "de", "it"])
def test_no_english_label_is_left_in_a_translated_kit(language):
    html = render_kit_html(make_kit(language))
    visible = re.sub(r"<[^>]+>", " ", html.split("<body>", 1)[1])
    left = [label for label in ENGLISH_ONLY if re.search(rf"\b{re.escape(label)}\b", visible)]
    assert left == []


def test_the_cover_has_the_plan_with_minutes_and_blank_name_lines():
    kit = make_kit("de")
    html = render_kit_html(kit)
    cover = html.split('<section class="cover">', 1)[1].split("</section>", 1)[0]
    assert "Kundenberater" in cover
    assert "Erstes Vorstellungsgespräch" in cover
    assert cover.count('<span class="blank"></span>') == 3
    for section in kit.content["sections"]:
        assert section["competency"]["name"] in cover
    assert "240 Minuten" in cover  # the budget
    assert '<th>Summe</th><th>6</th><th class="minutes">30</th>' in cover  # the plan


def test_text_from_the_bank_is_escaped():
    kit = make_kit("en", competencies=1, per_competency=1)
    kit.content["sections"][0]["questions"][0]["text"] = "<script>alert('x')</script> & more"
    html = render_kit_html(kit)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in html


def test_the_pdf_is_a_real_pdf_with_every_question():
    kit = make_kit("nl", competencies=4, per_competency=5)
    pdf = render_kit_pdf(kit)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    # A cover, about one question per page (room for notes), the scoring summary.
    assert 12 <= len(reader.pages) <= 26
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for section in kit.content["sections"]:
        for question in section["questions"]:
            assert question["text"] in text
    assert "Overzicht van de scores" in text
    assert f"Pagina 1 / {len(reader.pages)}" in text
    assert str(kit.pk) in text


class TestViews:
    def test_print_view_for_a_staff_session(self, admin_client):
        kit = make_kit("it")
        response = admin_client.get(reverse("kit-print", args=[kit.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "text/html; charset=utf-8"
        assert "Kit di colloquio" in response.content.decode()

    def test_pdf_view_with_a_token(self, api):
        kit = make_kit()
        response = api.get(reverse("kit-pdf", args=[kit.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith('inline; filename="kit-agent-first')
        assert response.content.startswith(b"%PDF-")

    def test_a_browser_without_a_session_is_sent_to_log_in(self, client):
        kit = make_kit()
        response = client.get(reverse("kit-print", args=[kit.pk]))
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=/kits/")

    def test_a_bad_token_is_401(self, client):
        kit = make_kit()
        response = client.get(reverse("kit-pdf", args=[kit.pk]), HTTP_AUTHORIZATION="Token nope")
        assert response.status_code == 401

    def test_an_unknown_kit_is_404(self, api):
        url = reverse("kit-print", args=["6f1c1c3e-3a55-4f43-9a36-8d1c7d0f0000"])
        assert api.get(url).status_code == 404

    @pytest.mark.parametrize("how", ["format", "accept"])
    def test_the_api_serves_the_pdf(self, api, how):
        kit = make_kit()
        url = f"/api/v1/kits/{kit.pk}/"
        if how == "format":
            response = api.get(url, {"format": "pdf"})
        else:
            response = api.get(url, HTTP_ACCEPT="application/pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")

    def test_api_pdf_errors_are_json(self, client):
        kit = make_kit()
        response = client.get(f"/api/v1/kits/{kit.pk}/", {"format": "pdf"})
        assert response.status_code == 401
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "not_authenticated"

    def test_the_kit_admin_links_to_print_and_pdf(self, admin_client):
        kit = make_kit()
        page = admin_client.get(reverse("admin:questionbank_kit_changelist")).content.decode()
        assert reverse("kit-print", args=[kit.pk]) in page
        assert reverse("kit-pdf", args=[kit.pk]) in page
