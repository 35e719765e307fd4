from django.core.management.base import BaseCommand, CommandError

from questionbank.backup import NotEmpty, restore_bank
from questionbank.models import Kit, Question, Role


class Command(BaseCommand):
    help = "Restore a backup written by backup_bank into an empty, migrated database."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            restore_bank(file)
        except NotEmpty as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {Role.objects.count()} roles, {Question.objects.count()} questions "
                f"and {Kit.objects.count()} kits from {file}."
            )
        )
