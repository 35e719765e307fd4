"""The shipped content pack: Django fixtures with natural keys in fixtures/."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


def content_pack_files() -> list[Path]:
    """Fixture files in load order: competencies, roles, kit templates, screening, questions."""
    return [
        FIXTURES_DIR / "competencies.yaml",
        FIXTURES_DIR / "roles.yaml",
        FIXTURES_DIR / "kit-templates.yaml",
        FIXTURES_DIR / "screening.yaml",
        *sorted((FIXTURES_DIR / "questions").glob("*.yaml")),
    ]


def load_content_pack(*, verbosity: int = 0) -> None:
    """Load (or reload) the whole pack in one transaction.

    Records carry natural keys and no primary keys, so loading again updates
    the shipped rows in place instead of adding duplicates. Questions and
    roles that recruiters created themselves are not touched; edits to
    shipped rows are overwritten with the shipped text.
    """
    call_command("loaddata", *map(str, content_pack_files()), verbosity=verbosity)
