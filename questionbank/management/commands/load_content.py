from django.core.management.base import BaseCommand

from questionbank.content import load_content_pack
from questionbank.models import Competency, Question, Role


class Command(BaseCommand):
    help = (
        "Load the shipped contact-centre content pack (fixtures/). By default only into an "
        "empty bank, so restarting the service never overwrites recruiters' edits."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Reload even if the bank has content: shipped rows are reset to the shipped text.",
        )

    def handle(self, *args, force, verbosity, **options):
        if Competency.objects.exists() and not force:
            self.stdout.write("The bank already has content; not loading (use --force to reload).")
            return
        load_content_pack(verbosity=max(verbosity - 1, 0))
        self.stdout.write(
            self.style.SUCCESS(
                f"Content pack loaded: {Role.objects.count()} roles, "
                f"{Competency.objects.count()} competencies, {Question.objects.count()} questions."
            )
        )
