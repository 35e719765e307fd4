from django.core.management.base import BaseCommand

from questionbank.backup import backup_bank


class Command(BaseCommand):
    help = (
        "Write the whole bank (content, kits, history, staff users) to FILE; "
        "FILE.json.gz is compressed. API tokens are not included."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="e.g. backups/bank-2026-11-25.json.gz")

    def handle(self, *args, file, **options):
        backup_bank(file)
        self.stdout.write(self.style.SUCCESS(f"Backup written to {file}."))
