"""`dcrc import FILE --dealer CODE [--kind customers|visits] [--dry-run]`: import a DMS export.

For operators with a file too large to upload, or a migration script. The columns are mapped
by their Chinese names as on the upload screen; the job is recorded like an upload's.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from dcrc.core.models import Dealer
from dcrc.customers import imports
from dcrc.customers.choices import ImportKind, ImportStatus
from dcrc.customers.import_columns import targets_for


class Command(BaseCommand):
    help = "Import customers and vehicles, or service history, from a DMS export (XLSX or CSV)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the .xlsx or .csv file")
        parser.add_argument("--dealer", required=True, help="dealer code, e.g. A001")
        parser.add_argument("--kind", choices=ImportKind.values, default=ImportKind.CUSTOMERS)
        parser.add_argument("--dry-run", action="store_true", help="check every row, save nothing")

    def handle(self, *args, file: Path, dealer: str, kind: str, dry_run: bool, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        found = Dealer.objects.filter(code=dealer).first()
        if found is None:
            raise CommandError(f"No dealer with code {dealer!r}.")
        try:
            job = imports.import_file(
                dealer=found, path=file, kind=kind, dry_run=dry_run, progress=self._progress
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self._summary(job, dry_run)
        if job.status == ImportStatus.FAILED:
            raise CommandError(job.message)

    def _progress(self, job) -> None:
        total = max(job.rows_total, job.rows_done)
        self.stdout.write(
            f"\r{job.rows_done:,} / {total:,} rows ({job.progress_percent}%)", ending=""
        )
        self.stdout.flush()

    def _summary(self, job, dry_run: bool) -> None:
        targets = targets_for(job.kind)
        self.stdout.write("")
        self.stdout.write(f"Header row: {job.header_row}")
        for position, key in sorted(job.mapping["columns"].items(), key=lambda i: int(i[0])):
            header = job.mapping["headers"][int(position)]
            self.stdout.write(f"  {header} → {targets[key].label}")
        if dry_run:
            counts = job.preview
            self.stdout.write(self.style.WARNING("Dry run: nothing was saved."))
        else:
            counts = {
                "created": job.rows_created,
                "updated": job.rows_updated,
                "unchanged": job.rows_unchanged,
                "failed": job.rows_failed,
                "skipped": job.rows_skipped,
            }
        self.stdout.write(
            "created {created:,}, updated {updated:,}, unchanged {unchanged:,}, "
            "failed {failed:,}, skipped {skipped:,}".format(**counts)
        )
        if job.error_file:
            self.stdout.write(f"Rows not imported, with reasons: {job.error_file.path}")
        self.stdout.write(f"Job {job.pk}: {job.get_status_display()}")
