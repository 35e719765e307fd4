"""Time rendering a 20-question kit to HTML and to PDF: `manage.py benchmark_pdf`."""

import io
import statistics
import time
import uuid

from django.core.management.base import BaseCommand
from django.utils import timezone
from pypdf import PdfReader

from questionbank.models import Kit
from questionbank.printing import render_kit_html, render_kit_pdf

ANCHOR = (
    "Gives a specific, recent example; lets the customer finish, names the frustration, "
    "explains what can and cannot be done and agrees a concrete next step with a time frame."
)


def synthetic_kit(questions: int, language: str) -> Kit:
    """An unsaved kit with realistic text lengths: the database plays no part in the timing."""
    per_section = 4
    sections = []
    for s in range(0, questions, per_section):
        count = min(per_section, questions - s)
        sections.append(
            {
                "competency": {
                    "slug": f"c{s}",
                    "name": f"Competency {s // per_section + 1}",
                    "weight": 5 - s // per_section % 5,
                    "essential": s == 0,
                },
                "minutes": 5 * count,
                "questions": [
                    {
                        "id": s + i,
                        "code": f"c{s}-{i:02d}",
                        "type": "behavioural",
                        "expected_minutes": 5,
                        "text": "Tell me about a call where a customer was shouting at you. "
                        "What was it about, and how did you bring the call back under control?",
                        "probes": [
                            "What were the first words you said once the customer paused?",
                            "At what point did the call turn, and why?",
                            "What did you do afterwards?",
                        ],
                        "guidance": "Listen for a real, specific call, not a general principle. "
                        "Red flags: arguing back, blaming the customer, hanging up.",
                        "rubric_source": "question",
                        "rubric": [
                            {"score": n, "label": f"Level {n}", "anchor": ANCHOR}
                            for n in range(1, 6)
                        ],
                    }
                    for i in range(count)
                ],
            }
        )
    sheet = [
        {
            "competency": s["competency"]["slug"],
            "name": s["competency"]["name"],
            "weight": s["competency"]["weight"],
            "questions": [q["code"] for q in s["questions"]],
            "score": None,
            "scale": [1, 2, 3, 4, 5],
        }
        for s in sections
    ]
    return Kit(
        id=uuid.uuid4(),
        stage="first_interview",
        language=language,
        seed=1,
        parameters={"time_budget_minutes": 5 * questions},
        content={
            "role": {"slug": "agent", "title": "Call centre agent"},
            "sections": sections,
            "scoring_sheet": sheet,
            "fallbacks": [],
        },
        warnings=[],
        total_minutes=5 * questions,
        created_at=timezone.now(),
    )


def summary(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"


class Command(BaseCommand):
    help = "Measure HTML and PDF rendering of a kit (default 20 questions, 10 runs)."

    def add_arguments(self, parser):
        parser.add_argument("--questions", type=int, default=20)
        parser.add_argument("--runs", type=int, default=10)
        parser.add_argument("--language", default="de")

    def handle(self, *args, questions, runs, language, **options):
        kit = synthetic_kit(questions, language)
        render_kit_pdf(kit)  # warm up: fonts and templates load once per process
        html_times, pdf_times = [], []
        for _ in range(runs):
            start = time.perf_counter()
            render_kit_html(kit)
            html_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            pdf = render_kit_pdf(kit)
            pdf_times.append(time.perf_counter() - start)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        self.stdout.write(f"kit: {questions} questions, language {language}, {runs} runs")
        self.stdout.write(f"HTML render: {summary(html_times)}")
        self.stdout.write(f"PDF render:  {summary(pdf_times)}   ({pages} pages, {len(pdf)} bytes)")
