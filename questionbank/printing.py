"""Kit → printable HTML and PDF, in the kit's language.

The HTML is the print view itself (print CSS, A4); WeasyPrint renders the
same HTML to PDF. Every fixed label is translated with Django's i18n
(locale/), following the kit's language; texts from the bank are escaped by
the template engine.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML

from .models import Kit, Question, Stage

NOTE_LINES = 4
SCALE = [1, 2, 3, 4, 5]


def render_kit_html(kit: Kit, *, preview: bool = False) -> str:
    """The print view; `preview` marks a kit that was assembled but not stored."""
    with translation.override(kit.language):
        return render_to_string(
            "questionbank/kit_print.html", {**print_context(kit), "preview": preview}
        )


def render_kit_pdf(kit: Kit) -> bytes:
    return HTML(string=render_kit_html(kit), base_url=str(settings.BASE_DIR)).write_pdf()


def print_context(kit: Kit) -> dict:
    """What the template shows. Call inside the kit's language."""
    types = dict(Question.Type.choices)
    sections = [
        {
            **section,
            "questions": [
                {**question, "type_label": types.get(question["type"], question["type"])}
                for question in section["questions"]
            ],
        }
        for section in kit.content["sections"]
    ]
    return {
        "kit": kit,
        "role_title": kit.content["role"]["title"],
        "stage_label": Stage(kit.stage).label,
        "language_name": translation.get_language_info(kit.language)["name_local"],
        "sections": sections,
        "question_count": sum(len(section["questions"]) for section in sections),
        "scale": SCALE,
        "note_lines": range(NOTE_LINES),
    }


def pdf_filename(kit: Kit) -> str:
    return f"kit-{kit.content['role']['slug']}-{kit.stage}-{str(kit.pk)[:8]}.pdf"
