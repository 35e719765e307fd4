"""Backup and restore of the whole bank: `manage.py backup_bank` and `restore_bank`.

A backup is one JSON file (gzip-compressed when its name ends in `.gz`) that
restores into any freshly migrated database, SQLite or PostgreSQL, with the
same primary keys (kit snapshots and the change history refer to questions
by id) and times to the microsecond: competencies, roles, questions with their rubrics and roles,
screening questionnaires, kit templates, every issued kit with its snapshot,
the change history, the staff users and groups (with password hashes), and
the admin's log. API tokens are left out on purpose: a backup file must not
be a key to the API; issue new tokens after a restore.
"""

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from .analyze import refresh_statistics
from .models import Competency, Kit, Question, Role, ScreeningQuestion

INCLUDED = ["auth.group", "auth.user", "admin.logentry", "questionbank"]
# The bank's version token is the process caches' business: a restore writes a new one.
EXCLUDED = ["questionbank.bankversion"]


def backup_bank(path: str) -> None:
    call_command(
        "dumpdata",
        *INCLUDED,
        exclude=EXCLUDED,
        natural_foreign=True,
        indent=None,
        output=path,
        verbosity=0,
    )


class NotEmpty(Exception):
    pass


def restore_bank(path: str) -> None:
    """Load a backup into an empty database (migrated, no users yet), all or nothing."""
    models = [Competency, Role, Question, ScreeningQuestion, Kit, get_user_model()]
    present = [m._meta.verbose_name_plural for m in models if m.objects.exists()]
    if present:
        raise NotEmpty(
            f"The database is not empty (it has {', '.join(map(str, present))}); "
            "restore into a freshly migrated database before creating any user."
        )
    with transaction.atomic():
        call_command("loaddata", path, verbosity=0)
    refresh_statistics(django_apps.get_app_config("questionbank").get_models())
