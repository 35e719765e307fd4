"""Create or update the staff groups: Recruiter and Interviewer. Safe to run again."""

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db.models import Q

BANK_MODELS = [
    "question",
    "rubriclevel",
    "competency",
    "competencyrubriclevel",
    "role",
    "rolecompetency",
    "screeningquestion",
    "screeningoption",
    "rolescreeningquestion",
    "kittemplate",
]

GROUPS = {
    # Keeps the bank: edits everything in it (questions are retired, not deleted),
    # creates and prints kits, manages the applications' API tokens.
    "Recruiter": (
        Q(content_type__app_label="questionbank", content_type__model__in=BANK_MODELS)
        & ~Q(codename="delete_question")
        | Q(content_type__app_label="questionbank", codename__in=["view_kit", "add_kit"])
        | Q(content_type__app_label="authtoken")
    ),
    # Reads the bank, creates and prints kits; changes nothing in the bank.
    "Interviewer": (
        Q(content_type__app_label="questionbank", codename__startswith="view_")
        | Q(content_type__app_label="questionbank", codename="add_kit")
    ),
}


class Command(BaseCommand):
    help = "Create or update the Recruiter and Interviewer groups and their permissions."

    def handle(self, *args, **options):
        for name, permissions in GROUPS.items():
            group, created = Group.objects.get_or_create(name=name)
            chosen = Permission.objects.filter(permissions).exclude(
                content_type__model__startswith="historical"
            )
            group.permissions.set(chosen)
            self.stdout.write(
                f"{'Created' if created else 'Updated'} group {name}: {chosen.count()} permissions."
            )
