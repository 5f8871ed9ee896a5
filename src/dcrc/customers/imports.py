"""Import of legacy DMS exports: customers with their vehicles, and service history.

The flow a user sees: upload (the header row is found and columns are mapped by their Chinese
names), check the mapping, dry run (the same code as the real run, rolled back), run in the
background with a progress bar, download the rows that failed with their reasons.

Why it is written the way it is:

* Files can hold a million rows. Rows are streamed (csv module, openpyxl read-only) and handled
  in batches of BATCH_ROWS, one transaction each; bad rows go to the error workbook as they are
  met. Memory does not grow with the file.
* Each batch looks up what already exists with one query per kind of record, then writes with
  one statement per kind. The writes are plain INSERT/UPDATE statements run with executemany:
  measured on SQLite, Django's bulk_create spends ~100 µs per Customer (it prepares each of 50
  fields per row), the raw statement ~15 µs. Values are still adapted by the model fields.
* Validation is the services' (customer_clean, vehicle_clean) plus the column parsers of
  import_columns, so an import accepts exactly what the screens accept.
* Re-importing a file updates instead of duplicating: vehicles are keyed by VIN, customers by
  their vehicle's owner, else the file's owner code, else phone + name, else ID number + name.
  A batch that fails as a whole (a race with another writer) is retried row by row, so good rows
  are kept and the bad one is reported.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import itertools
import logging
import multiprocessing
import os
import queue
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import openpyxl
import xlsxwriter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import Count, DecimalField, F, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.xml.constants import SHEET_MAIN_NS

from dcrc.core.models import Dealer, User

from . import import_worker, normalize, services
from .choices import CustomerKind, ImportKind, ImportStatus, OwnershipReason, VisitSource, VisitType
from .import_columns import (
    CUSTOMER,
    VEHICLE,
    CellError,
    Target,
    header_key,
    required_targets,
    synonym_index,
    targets_for,
)
from .models import (
    Customer,
    ImportJob,
    MileageCorrection,
    SearchKey,
    ServiceVisit,
    Vehicle,
    VehicleOwnership,
)

logger = logging.getLogger(__name__)

# 2000 rather than 1000: a fifth less writing time per row (fewer commits, index pages
# written once for more rows); peak memory ~15 MB more, still flat in the file size.
BATCH_ROWS = 2000
PREVIEW_ROWS = 2000
PREVIEW_SAMPLE = 20
# Files of this many rows or more are read and parsed by a second process.
PARALLEL_MIN_ROWS = 20_000
HEADER_SCAN_ROWS = 15
# A job whose heartbeat is older than this was interrupted (server restart) and may run again.
STALE_AFTER = datetime.timedelta(minutes=10)
RUNNABLE = (ImportStatus.UPLOADED, ImportStatus.PREVIEWED, ImportStatus.FAILED)

CREATED, UPDATED, UNCHANGED, FAILED, SKIPPED = (
    "created",
    "updated",
    "unchanged",
    "failed",
    "skipped",
)
_TOTALS_WORDS = ("合计", "总计", "小计", "共计", "total")
_COMPANY_HINTS = (
    "公司",
    "集团",
    "有限",
    "股份",
    "厂",
    "局",
    "学校",
    "医院",
    "银行",
    "车队",
    "协会",
)


# =========================================================================== reading files


def _csv_encoding(path: Path) -> tuple[str, str]:
    """(encoding, delimiter): UTF-8 with or without BOM, UTF-16 (Excel "Unicode text"), else
    GB18030, which reads GBK and GB2312 too."""
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "gb18030"
    sample = head.decode(encoding, errors="replace").splitlines()[:30]
    counts = {delimiter: sum(line.count(delimiter) for line in sample) for delimiter in ",\t;|"}
    delimiter = max(counts, key=counts.get) if any(counts.values()) else ","
    return encoding, delimiter


def _csv_rows(path: Path) -> Iterator[tuple[int, tuple]]:
    encoding, delimiter = _csv_encoding(path)
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        # Each record is one spreadsheet row, also when a quoted cell spans lines.
        for number, row in enumerate(csv.reader(handle, delimiter=delimiter), start=1):
            yield number, tuple(row)


def _open_workbook(path: Path):
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged or foreign file
        logger.info("unreadable workbook %s: %r", path, error)
        raise ValidationError(
            _("The file could not be read as an Excel workbook (.xlsx).")
        ) from None


_INLINE_STRING = f"{{{SHEET_MAIN_NS}}}is"
_INLINE_TEXT = f"{{{SHEET_MAIN_NS}}}t"


class _SheetParser(WorkSheetParser):
    """openpyxl's sheet parser, with plain inline strings (<c t="inlineStr"><is><t>…) read
    directly instead of through openpyxl's rich-text objects (half of its time per cell).
    Streaming writers (xlsxwriter's constant_memory, POI's SXSSF: most DMS exports) write
    every text cell that way. Anything else goes to openpyxl unchanged."""

    def parse_cell(self, element):
        if element.get("t") != "inlineStr" or not self.data_only or self.rich_text:
            return super().parse_cell(element)
        inline = element.find(_INLINE_STRING)
        if inline is None or len(inline) != 1 or inline.attrib or inline[0].tag != _INLINE_TEXT:
            return super().parse_cell(element)
        style_id = element.get("s", 0)
        if style_id:
            style_id = int(style_id)
        coordinate = element.get("r")
        if coordinate:
            row, column = coordinate_to_tuple(coordinate)
            self.col_counter = column
        else:
            self.col_counter += 1
            row, column = self.row_counter, self.col_counter
        return {
            "row": row,
            "column": column,
            "value": inline[0].text or "",  # openpyxl's Text(t=...).content
            "data_type": "s",
            "style_id": style_id,
        }


def _sheet_values(workbook, sheet) -> Iterator[tuple]:
    """sheet.iter_rows(values_only=True) of a read-only sheet after reset_dimensions(): what
    openpyxl's ReadOnlyWorksheet._cells_by_row() does then, with _SheetParser."""
    with sheet._get_source() as source:
        parser = _SheetParser(
            source,
            sheet._shared_strings,
            data_only=workbook.data_only,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        counter = 1
        for number, row in parser.parse():
            while counter < number:  # rows the file leaves out
                counter += 1
                yield []
            if counter <= number:
                counter += 1
                yield sheet._get_row(row, 1, None, True)


def _xlsx_rows(path: Path) -> Iterator[tuple[int, tuple]]:
    workbook = _open_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        # The stored dimension may be wrong (some exporters write A1:A1): read everything.
        sheet.reset_dimensions()
        yield from enumerate(_sheet_values(workbook, sheet), start=1)
    finally:
        workbook.close()


def read_rows(path: Path) -> Iterator[tuple[int, tuple]]:
    """(row number as Excel shows it, cells) of the first sheet or the CSV records."""
    if path.suffix.lower() == ".csv":
        return _csv_rows(path)
    return _xlsx_rows(path)


def estimate_rows(path: Path) -> int:
    """Rows in the file, cheaply: lines of a CSV, the stored dimension of a workbook."""
    if path.suffix.lower() == ".csv":
        count, last = 0, b"\n"
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                count += chunk.count(b"\n")
                last = chunk[-1:]
        return count + (last != b"\n")
    workbook = _open_workbook(path)
    try:
        return workbook.worksheets[0].max_row or 0
    finally:
        workbook.close()


def cell_text(value: Any) -> str:
    """A cell as the user sees it, for previews and the error report."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        midnight = value.time() == datetime.time(0)
        return value.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# =========================================================================== header and mapping


@dataclass(frozen=True)
class HeaderGuess:
    row: int  # 1-based row number of the header row
    headers: list[str]
    columns: dict[str, str]  # column index (as str, JSON keys) → target key
    samples: list[list[str]]  # a few data rows, for the mapping screen


def auto_map(headers: list[str], kind: str) -> dict[str, str]:
    """Map columns by header synonyms; a target is used once, by its first column."""
    index = synonym_index(kind)
    columns: dict[str, str] = {}
    for position, header in enumerate(headers):
        target = index.get(header_key(header))
        if target and target not in columns.values():
            columns[str(position)] = target
    return columns


def detect_header(path: Path, kind: str) -> HeaderGuess:
    """Find the header row: of the first rows, the one whose cells match most known headers.

    Title rows above it ("XX4S店客户档案导出 2024-01-01") are skipped by this choice.
    """
    index = synonym_index(kind)
    head: list[tuple[int, tuple]] = []
    for number, row in read_rows(path):
        head.append((number, row))
        if number >= HEADER_SCAN_ROWS + 5:
            break
    best_number, best_score = 0, 1
    for number, row in head[:HEADER_SCAN_ROWS]:
        score = len({index[key] for cell in row if (key := header_key(cell)) in index})
        if score > best_score:
            best_number, best_score = number, score
    if not best_number:
        raise ValidationError(
            _(
                "No header row was found in the first %(rows)d rows. The file needs a row of "
                "column names such as 客户名称, 手机, VIN."
            )
            % {"rows": HEADER_SCAN_ROWS}
        )
    headers = [cell_text(cell).strip() for cell in head[best_number - 1][1]]
    while headers and not headers[-1]:
        headers.pop()
    samples = [
        [cell_text(cell) for cell in row[: len(headers)]]
        for number, row in head[best_number:]
        if any(cell not in (None, "") for cell in row)
    ][:3]
    return HeaderGuess(best_number, headers, auto_map(headers, kind), samples)


def mapping_validate(kind: str, columns: dict[str, str], headers: list[str]) -> dict[str, str]:
    """Check a user's mapping: known targets, each once, the required ones present."""
    targets = targets_for(kind)
    cleaned = {}
    for position, key in columns.items():
        if not key:
            continue
        if key not in targets or not position.isdigit() or int(position) >= len(headers):
            raise ValidationError(_("Unknown column mapping."))
        if key in cleaned.values():
            raise ValidationError(
                _("“%(field)s” is chosen for more than one column.") % {"field": targets[key].label}
            )
        cleaned[position] = key
    for group in required_targets(kind):
        if not set(group) & set(cleaned.values()):
            labels = " / ".join(str(targets[key].label) for key in group)
            raise ValidationError(_("Map a column to %(field)s.") % {"field": labels})
    return cleaned


# =========================================================================== job lifecycle


def import_job_create(*, dealer: Dealer, kind: str, upload: File, by: User | None) -> ImportJob:
    """Store the uploaded file, find its header row and map its columns by their names."""
    original_name = Path(upload.name or "import").name
    suffix = Path(original_name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValidationError(_("Upload an .xlsx or .csv file."))
    job = ImportJob(dealer=dealer, kind=kind, original_name=original_name[:200], created_by=by)
    job.file.save(f"{uuid.uuid4().hex}{suffix}", upload, save=False)
    path = Path(job.file.path)
    try:
        guess = detect_header(path, kind)
        total = estimate_rows(path)
    except (ValidationError, UnicodeError, csv.Error) as error:
        job.file.delete(save=False)
        if isinstance(error, ValidationError):
            raise
        raise ValidationError(_("The file could not be read.")) from None
    job.header_row = guess.row
    job.mapping = {"headers": guess.headers, "columns": guess.columns, "samples": guess.samples}
    job.rows_total = max(0, total - guess.row)
    job.save()
    return job


def import_job_map(*, job: ImportJob, columns: dict[str, str]) -> ImportJob:
    """Save the mapping the user chose; a changed mapping needs a new dry run."""
    _require_status(job, RUNNABLE)
    headers = job.mapping.get("headers", [])
    job.mapping = {**job.mapping, "columns": mapping_validate(job.kind, columns, headers)}
    job.status = ImportStatus.UPLOADED
    job.preview = {}
    job.save(update_fields=["mapping", "status", "preview"])
    return job


def import_job_preview(*, job: ImportJob, limit: int | None = PREVIEW_ROWS) -> ImportJob:
    """Dry run: the real import of the first `limit` rows (all when None), rolled back."""
    _require_status(job, RUNNABLE)
    result = _execute(job, dry_run=True, limit=limit)
    job.preview = {
        "checked": result.counts.done,
        "complete": result.complete,
        **result.counts.as_dict(),
        "headers": [job.mapping["headers"][int(p)] for p in _mapped_positions(job)],
        "rows": result.sample,
    }
    job.status = ImportStatus.PREVIEWED
    job.save(update_fields=["preview", "status", "error_file"])
    return job


def import_job_is_stale(job: ImportJob) -> bool:
    active = job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
    return active and (job.heartbeat_at is None or job.heartbeat_at < timezone.now() - STALE_AFTER)


def import_job_queue(*, job: ImportJob) -> bool:
    """Mark the job queued; False when it is already queued or running (double click)."""
    runnable = Q(status__in=RUNNABLE)
    if import_job_is_stale(job):
        runnable |= Q(status=job.status, heartbeat_at=job.heartbeat_at)
    claimed = (
        ImportJob.objects.filter(pk=job.pk)
        .filter(runnable)
        .update(status=ImportStatus.QUEUED, heartbeat_at=timezone.now(), message="")
    )
    return bool(claimed)


def import_job_run(
    *,
    job_id: int,
    language: str | None = None,
    progress: Callable[[ImportJob], None] | None = None,
) -> ImportJob:
    """Run a queued job to the end. Idempotent: re-running a failed job updates what the
    committed batches wrote instead of duplicating it."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING,
        heartbeat_at=timezone.now(),
        finished_at=None,
        rows_done=0,
        rows_created=0,
        rows_updated=0,
        rows_unchanged=0,
        rows_failed=0,
        rows_skipped=0,
    )
    job = ImportJob.objects.select_related("dealer").get(pk=job_id)
    if not claimed:
        return job
    try:
        with translation.override(language or settings.LANGUAGE_CODE):
            result = _execute(job, dry_run=False, progress=progress)
    except Exception as error:
        logger.exception("import job %s failed", job_id)
        error_file = job.error_file.name
        job.refresh_from_db()
        job.error_file.name = error_file
        job.status = ImportStatus.FAILED
        job.message = _(
            "The import stopped at row %(row)s: %(error)s. Rows before it are saved; "
            "running the import again continues without duplicates."
        ) % {"row": job.header_row + job.rows_done + 1, "error": _error_text(error)}
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "message", "finished_at", "error_file"])
        return job
    job.rows_total = result.counts.done
    job.status = ImportStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["rows_total", "status", "finished_at", "error_file"])
    return job


def import_file(
    *,
    dealer: Dealer,
    path: Path,
    kind: str = ImportKind.CUSTOMERS,
    by: User | None = None,
    dry_run: bool = False,
    progress: Callable[[ImportJob], None] | None = None,
) -> ImportJob:
    """Import a file from disk in one go (the `dcrc import` command and the benchmark)."""
    with path.open("rb") as handle:
        job = import_job_create(
            dealer=dealer, kind=kind, upload=File(handle, name=path.name), by=by
        )
    job.mapping["columns"] = mapping_validate(kind, job.mapping["columns"], job.mapping["headers"])
    job.save(update_fields=["mapping"])
    if dry_run:
        return import_job_preview(job=job, limit=None)
    import_job_queue(job=job)
    return import_job_run(job_id=job.pk, progress=progress)


def _require_status(job: ImportJob, statuses: Iterable[str]) -> None:
    if job.status not in statuses and not import_job_is_stale(job):
        raise ValidationError(_("This import has already run or is running."))


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return f"{type(error).__name__}: {error}"[:300]


# =========================================================================== the run


@dataclass
class Counts:
    done: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, outcome: str) -> None:
        self.done += 1
        setattr(self, outcome, getattr(self, outcome) + 1)

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "skipped": self.skipped,
        }


@dataclass
class RowOutcome:
    row: int
    outcome: str
    reason: str = ""


@dataclass
class RunResult:
    counts: Counts
    complete: bool
    sample: list[dict[str, Any]]


class ErrorReport:
    """The workbook of failed rows: row number, reason, the original cells. Written as rows
    fail, in constant memory; created only when the first row fails."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.headers = job.mapping.get("headers", [])
        self.workbook = None
        self.sheet = None
        self.row = 0
        self.name = f"imports/errors/import-{job.pk}-errors.xlsx"

    def add(self, number: int, reason: str, cells: tuple) -> None:
        if self.workbook is None:
            self._open()
        self.row += 1
        width = max(len(self.headers), len(cells))
        values = [cell_text(cells[i]) if i < len(cells) else "" for i in range(width)]
        self.sheet.write_number(self.row, 0, number)
        self.sheet.write_string(self.row, 1, reason)
        for column, value in enumerate(values, start=2):
            if value:
                self.sheet.write_string(self.row, column, value)

    def _open(self) -> None:
        path = Path(settings.MEDIA_ROOT) / self.name
        path.parent.mkdir(parents=True, exist_ok=True)
        # Cells from the file are text: "=…" must never become a live formula.
        self.workbook = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "strings_to_formulas": False}
        )
        self.sheet = self.workbook.add_worksheet(_("Rows not imported"))
        bold = self.workbook.add_format({"bold": True, "bg_color": "#F2F2F2"})
        self.sheet.write_row(0, 0, [_("Row"), _("Reason"), *self.headers], bold)
        self.sheet.set_column(0, 0, 8)
        self.sheet.set_column(1, 1, 60)
        self.sheet.set_column(2, 1 + len(self.headers), 16)
        self.sheet.freeze_panes(1, 2)

    def close(self) -> None:
        if self.workbook is not None:
            self.workbook.close()
            self.job.error_file.name = self.name
        else:
            if self.job.error_file:
                self.job.error_file.delete(save=False)
            self.job.error_file.name = ""


def _mapped_positions(job: ImportJob) -> list[int]:
    return sorted(int(position) for position in job.mapping.get("columns", {}))


def _data_rows(path: Path, header_row: int) -> Iterator[tuple[int, tuple]]:
    for number, cells in read_rows(path):
        if number > header_row:
            yield number, cells


def _chunks(rows: Iterator[tuple[int, tuple]], size: int, limit: int | None):
    chunk: list[tuple[int, tuple]] = []
    for item in itertools.islice(rows, limit):
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _execute(
    job: ImportJob,
    *,
    dry_run: bool,
    limit: int | None = None,
    progress: Callable[[ImportJob], None] | None = None,
) -> RunResult:
    """Read, parse and write the file batch by batch. A dry run writes the same way inside a
    transaction that is rolled back, so its counts are what the real run will do."""
    importer = _importer(job)
    report = ErrorReport(job)
    counts = Counts()
    sample: list[dict[str, Any]] = []
    positions = _mapped_positions(job)
    complete = True
    use_worker = _parse_in_worker(job, limit)
    batches = (_worker_batches if use_worker else _inline_batches)(job, limit)
    try:
        with transaction.atomic() if dry_run else nullcontext():
            for chunk, skipped_or_bad, parsed in batches:
                if chunk is None:  # the end, with whether rows were left unread
                    complete = not skipped_or_bad
                    break
                outcomes = importer.batch(
                    skipped_or_bad, parsed, counts=counts, save_progress=not dry_run
                )
                cells_by_row = dict(chunk)
                for outcome in outcomes:
                    if outcome.outcome == FAILED:
                        report.add(outcome.row, outcome.reason, cells_by_row[outcome.row])
                    if outcome.outcome != SKIPPED and len(sample) < PREVIEW_SAMPLE:
                        cells = cells_by_row[outcome.row]
                        sample.append(
                            {
                                "row": outcome.row,
                                "outcome": outcome.outcome,
                                "reason": outcome.reason,
                                "values": [
                                    cell_text(cells[p]) if p < len(cells) else "" for p in positions
                                ],
                            }
                        )
                if progress:
                    progress(job)
            if dry_run:
                transaction.set_rollback(True)
    finally:
        report.close()
        batches.close()
    return RunResult(counts, complete, sample)


def _importer(job: ImportJob) -> BaseImporter:
    return (VisitImporter if job.kind == ImportKind.VISITS else CustomerImporter)(job)


def _inline_batches(job: ImportJob, limit: int | None, path: Path | None = None):
    """(chunk, outcomes, parsed rows) per batch, then (None, rows_left, None)."""
    importer = _importer(job)
    rows = _data_rows(path or Path(job.file.path), job.header_row)
    try:
        for chunk in _chunks(rows, BATCH_ROWS, limit):
            yield (chunk, *importer.parse_chunk(chunk))
        yield None, limit is not None and next(rows, None) is not None, None
    finally:
        rows.close()


def _parse_in_worker(job: ImportJob, limit: int | None) -> bool:
    """Large files are read and parsed by a second process while this one writes: the two
    halves cost about the same, so on two cores the import runs nearly twice as fast."""
    rows = job.rows_total if limit is None else min(limit, job.rows_total)
    return (
        rows >= PARALLEL_MIN_ROWS
        and (os.cpu_count() or 1) > 1
        # Celery's prefork workers are daemonic processes, which may not have children.
        and not multiprocessing.current_process().daemon
    )


def _worker_batches(job: ImportJob, limit: int | None):
    """_inline_batches() computed by a child process; at most a few batches are in flight."""
    context = multiprocessing.get_context("spawn")
    channel = context.Queue(maxsize=3)
    spec = {
        "kind": job.kind,
        "mapping": job.mapping,
        "header_row": job.header_row,
        "path": str(Path(job.file.path).resolve()),
        "limit": limit,
        "language": translation.get_language(),
    }
    worker = context.Process(target=import_worker.parse_worker, args=(spec, channel), daemon=True)
    try:
        worker.start()
    except Exception:  # a host that cannot start processes: read in this one
        logger.warning("import %s: no reading process, reading inline", job.pk, exc_info=True)
        yield from _inline_batches(job, limit)
        return
    try:
        while True:
            try:
                item = channel.get(timeout=5)
            except queue.Empty:
                if not worker.is_alive():
                    raise RuntimeError("the file reader stopped") from None
                continue
            if isinstance(item, BaseException):
                raise item
            yield item
            if item[0] is None:
                return
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join(timeout=5)


def parse_in_worker(spec: dict[str, Any], channel) -> None:
    """In the child process: read and parse the file, hand the batches to the parent."""
    try:
        with translation.override(spec["language"]):
            job = ImportJob(
                kind=spec["kind"], mapping=spec["mapping"], header_row=spec["header_row"]
            )
            for item in _inline_batches(job, spec["limit"], Path(spec["path"])):
                channel.put(item)
    except Exception as error:  # handed to the parent, which fails the job with it
        channel.put(RuntimeError(_error_text(error)))


class BaseImporter:
    """Parses rows into values and writes batches; subclasses know customers or visits."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.by = job.created_by
        self.today = timezone.localdate()
        self.headers = job.mapping.get("headers", [])
        targets = targets_for(job.kind)
        self.columns: list[tuple[int, Target]] = [
            (int(position), targets[key]) for position, key in job.mapping["columns"].items()
        ]
        self.mapped = {target.key for _position, target in self.columns}
        self.tables: dict[type, _Table] = {}

    @property
    def dealer(self) -> Dealer:
        return self.job.dealer  # only the writing half needs it; the parsing half has no job row

    # --- parsing ---------------------------------------------------------------------------

    def column_label(self, key: str) -> str:
        """The user's header of the column mapped to `key`, else the field's name."""
        for position, target in self.columns:
            if target.key == key and position < len(self.headers) and self.headers[position]:
                return self.headers[position]
        return (
            str(targets_for(self.job.kind)[key].label) if key in targets_for(self.job.kind) else key
        )

    def reason(self, error: ValidationError) -> str:
        if hasattr(error, "error_dict"):
            return "; ".join(
                f"{self.column_label(key)}: {' '.join(messages)}"
                for key, messages in error.message_dict.items()
            )
        return "; ".join(error.messages)

    def values(self, cells: tuple) -> tuple[dict[str, Any], list[str]]:
        values: dict[str, Any] = {}
        errors: list[str] = []
        for position, target in self.columns:
            cell = cells[position] if position < len(cells) else None
            try:
                values[target.key] = target.parse(cell)
            except CellError as error:
                errors.append(f"{self.column_label(target.key)}: {error}")
        return values, errors

    key_targets: tuple[str, ...] = ()

    def is_totals_or_blank(self, cells: tuple) -> bool:
        """Blank rows, the totals row at the end of an export and rows without any of the
        key columns (name, phone, VIN, ...) are skipped, not errors."""
        texts = [str(cell).strip() for cell in cells if cell not in (None, "")]
        if not texts or any(text.lower().startswith(_TOTALS_WORDS) for text in texts[:3]):
            return True
        return not any(
            position < len(cells) and str(cells[position] or "").strip()
            for position, target in self.columns
            if target.key in self.key_targets
        )

    def too_long(self, model: type, values: dict[str, Any]) -> ValidationError | None:
        errors = {}
        for key, value in values.items():
            limit = _max_lengths(model).get(key)
            if limit and isinstance(value, str) and len(value) > limit:
                errors[key] = [_("At most %(count)d characters.") % {"count": limit}]
        return ValidationError(errors) if errors else None

    # --- writing ---------------------------------------------------------------------------

    def table(self, model: type) -> _Table:
        if model not in self.tables:
            self.tables[model] = _Table(model)
        return self.tables[model]

    def parse_chunk(self, chunk: list[tuple[int, tuple]]) -> tuple[list[RowOutcome], list]:
        """(outcomes of rows skipped or bad already, rows to write); needs no database."""
        outcomes: list[RowOutcome] = []
        parsed = []
        for number, cells in chunk:
            if self.is_totals_or_blank(cells):
                outcomes.append(RowOutcome(number, SKIPPED))
                continue
            row = self.parse(number, cells)
            if isinstance(row, RowOutcome):
                outcomes.append(row)
            else:
                parsed.append(row)
        return outcomes, parsed

    def batch(
        self, outcomes: list[RowOutcome], parsed: list, *, counts: Counts, save_progress: bool
    ) -> list[RowOutcome]:
        """Write one parsed batch in one transaction; on a database error (a race with
        another writer, a value the checks missed) retry row by row so good rows are kept."""
        self.tables = {}  # fresh timestamps for created_at / updated_at
        try:
            with transaction.atomic():
                written = self.write(parsed)
                self._progress(counts, outcomes + written, save_progress)
        except DatabaseError:
            logger.warning("import %s: batch failed, retrying row by row", self.job.pk)
            written = []
            for row in parsed:
                try:
                    with transaction.atomic():
                        written.extend(self.write([row]))
                except DatabaseError as error:
                    written.append(
                        RowOutcome(
                            row.number,
                            FAILED,
                            _("Could not be saved: %(error)s") % {"error": _error_text(error)},
                        )
                    )
            with transaction.atomic():
                self._progress(counts, outcomes + written, save_progress)
        return sorted(outcomes + written, key=lambda outcome: outcome.row)

    def _progress(self, counts: Counts, outcomes: list[RowOutcome], save: bool) -> None:
        for outcome in outcomes:
            counts.add(outcome.outcome)
        if save:
            ImportJob.objects.filter(pk=self.job.pk).update(
                rows_done=counts.done,
                rows_created=counts.created,
                rows_updated=counts.updated,
                rows_unchanged=counts.unchanged,
                rows_failed=counts.failed,
                rows_skipped=counts.skipped,
                heartbeat_at=timezone.now(),
            )
        self.job.rows_done = counts.done
        self.job.rows_created, self.job.rows_updated = counts.created, counts.updated
        self.job.rows_unchanged, self.job.rows_failed = counts.unchanged, counts.failed
        self.job.rows_skipped = counts.skipped

    def lock_dealer(self) -> None:
        """Serialise imports of one dealer (PostgreSQL) so two cannot create the same customer."""
        list(Dealer.objects.select_for_update().filter(pk=self.dealer.pk).values_list("pk"))

    def parse(self, number: int, cells: tuple):
        raise NotImplementedError

    def write(self, rows: list) -> list[RowOutcome]:
        raise NotImplementedError


# --------------------------------------------------------------------------- raw writes


_MAX_LENGTHS: dict[type, dict[str, int]] = {}


def _max_lengths(model: type) -> dict[str, int]:
    if model not in _MAX_LENGTHS:
        _MAX_LENGTHS[model] = {
            f.name: f.max_length for f in model._meta.concrete_fields if getattr(f, "max_length", 0)
        }
    return _MAX_LENGTHS[model]


_ADAPTED_TYPES = {"DateField", "DateTimeField", "DecimalField", "JSONField", "TimeField"}


class _Table:
    """INSERT and UPDATE of one model with executemany, values adapted by the model's fields.

    Every column gets the model default unless given, so rows are what the ORM would write.
    """

    def __init__(self, model: type):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self.by_name = {f.attname: f for f in self.fields} | {f.name: f for f in self.fields}
        self.position = {f.attname: i for i, f in enumerate(self.fields)}
        self.position |= {f.name: i for i, f in enumerate(self.fields)}
        self.connection = connections[DEFAULT_DB_ALIAS]
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.quote = quote
        now = timezone.now()
        self.template = []
        for f in self.fields:
            value = (
                now
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                else f.get_default()
            )
            self.template.append(self.adapt(f, value))
        columns = ", ".join(quote(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.insert_sql = f"INSERT INTO {self.table} ({columns}) VALUES ({marks})"
        self.copy_sql = f"COPY {self.table} ({columns}) FROM STDIN"
        # name → (position, field when its values need adapting): looked up once per value.
        self.slots = {
            name: (self.position[name], f if f.get_internal_type() in _ADAPTED_TYPES else None)
            for name, f in self.by_name.items()
        }

    def adapt(self, f, value):
        if value is None or f.get_internal_type() not in _ADAPTED_TYPES:
            return value
        # The connection itself, not django.db.connection: that proxy costs a thread-local
        # lookup on every use, as much as the adapting itself.
        return f.get_db_prep_save(value, self.connection)

    def row(self, values: dict[str, Any]) -> list:
        row = list(self.template)
        slots = self.slots
        for name, value in values.items():
            position, f = slots[name]
            row[position] = value if f is None or value is None else self.adapt(f, value)
        return row

    def insert(self, rows: list[dict[str, Any]]) -> None:
        """One call per table and batch: COPY on PostgreSQL (an INSERT per row, or psycopg
        re-parsing a long multi-row INSERT, measured several times slower), executemany of
        one prepared statement on SQLite."""
        if not rows:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for values in rows:
                        copy.write_row(self.row(values))
            else:
                cursor.executemany(self.insert_sql, [self.row(values) for values in rows])

    def insert_tuples(self, names: tuple[str, ...], rows: list[tuple]) -> None:
        """insert() of rows given as tuples of the values of `names`, which must be every
        column in field order and need no adapting: no dict and no copy per row."""
        assert [self.by_name[name] for name in names] == self.fields
        assert all(self.slots[name][1] is None for name in names)
        if not rows:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(self.copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.insert_sql, rows)

    def update(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        """UPDATE rows by primary key; rows with the same changed fields share a statement."""
        groups: dict[tuple[str, ...], list[list]] = defaultdict(list)
        for pk, values in rows:
            names = tuple(sorted(values))
            groups[names].append(
                [self.adapt(self.by_name[name], values[name]) for name in names] + [pk]
            )
        with connection.cursor() as cursor:
            for names, params in groups.items():
                assignments = ", ".join(
                    f"{self.quote(self.by_name[name].column)} = %s" for name in names
                )
                cursor.executemany(f"UPDATE {self.table} SET {assignments} WHERE id = %s", params)


# =========================================================================== customers


@dataclass
class CustomerRow:
    number: int
    customer: dict[str, Any]
    vehicle: dict[str, Any] | None
    kind_given: bool
    # Computed while parsing (in the reading process for large files), used when this row
    # alone makes a new customer with a new vehicle, the common case of a first import.
    pinyin: str = ""
    keys: frozenset[str] = frozenset()

    def __reduce__(self):
        # Large files hand every row from the reading to the writing process: rebuilt from
        # positional arguments it unpickles several times faster than a dataclass's __dict__.
        fields = (self.number, self.customer, self.vehicle, self.kind_given)
        return CustomerRow, (*fields, self.pinyin, self.keys)


@dataclass(eq=False)
class _Record:
    """A customer or vehicle while its batch is written: loaded from the database or new."""

    values: dict[str, Any]
    pk: int | None = None
    changed: set[str] = field(default_factory=set)
    keys_dirty: bool = False
    owner: _Record | None = None  # vehicles only
    transferred_from: _Record | None = None  # vehicles only
    prepared: CustomerRow | None = None  # new customers made by one row: its pinyin and keys

    @property
    def is_new(self) -> bool:
        return self.pk is None

    def apply(self, values: dict[str, Any], skip: Iterable[str] = ()) -> bool:
        """Overwrite with the non-empty values the file gives; True when something changed."""
        changed = False
        for name, value in values.items():
            if name in skip or value in ("", None):
                continue
            if self.values.get(name) != value:
                self.values[name] = value
                self.changed.add(name)
                changed = True
        return changed


_KEY_FIELDS = {"name", "kind", "mobile", "home_phone", "office_phone"}


def _name_key(name: str) -> str:
    return name.lower().replace(" ", "")


class _CustomerIndex:
    """Finds the customer a row means, among the batch's candidates and its new customers."""

    def __init__(self):
        self.by_code: dict[str, _Record] = {}
        self.by_phone: dict[tuple[str, str], _Record] = {}
        self.by_id_number: dict[tuple[str, str], _Record] = {}

    def add(self, record: _Record) -> None:
        values = record.values
        name = _name_key(values.get("name", ""))
        if values.get("owner_code"):
            self.by_code.setdefault(values["owner_code"], record)
        for phone in ("mobile", "home_phone", "office_phone"):
            if values.get(phone):
                self.by_phone.setdefault((values[phone], name), record)
        if values.get("id_number"):
            self.by_id_number.setdefault((values["id_number"], name), record)

    def find(self, customer: dict[str, Any]) -> _Record | None:
        if customer.get("owner_code") and customer["owner_code"] in self.by_code:
            return self.by_code[customer["owner_code"]]
        name = _name_key(customer["name"])
        for phone in ("mobile", "home_phone", "office_phone"):
            if customer.get(phone) and (customer[phone], name) in self.by_phone:
                return self.by_phone[customer[phone], name]
        if customer.get("id_number"):
            return self.by_id_number.get((customer["id_number"], name))
        return None


class CustomerImporter(BaseImporter):
    """Customers and their vehicles; one row is one customer with at most one vehicle."""

    key_targets = ("name", "mobile", "owner_code", "vin", "plate", "id_number")

    def __init__(self, job: ImportJob):
        super().__init__(job)
        targets = targets_for(job.kind)
        self.customer_keys = [k for k in self.mapped if targets[k].model == CUSTOMER]
        self.vehicle_keys = [k for k in self.mapped if targets[k].model == VEHICLE]
        self.customer_fields = sorted(
            {"id", "owner_code", "name", "kind", "mobile", "home_phone", "office_phone"}
            | {"id_number", "birthday", "gender"}
            | set(self.customer_keys)
        )
        self.vehicle_fields = sorted({"id", "vin", "owner_id", "plate"} | set(self.vehicle_keys))

    # --- parsing ---------------------------------------------------------------------------

    def parse(self, number: int, cells: tuple) -> CustomerRow | RowOutcome:
        values, errors = self.values(cells)
        if errors:
            return RowOutcome(number, FAILED, "; ".join(errors))
        customer = {k: values[k] for k in self.customer_keys if values[k] not in ("", None)}
        vehicle = {k: values[k] for k in self.vehicle_keys if values[k] not in ("", None)}
        _move_landline(customer)
        kind_given = "kind" in customer
        if not kind_given:
            customer["kind"] = _guess_kind(customer)
        mobile = customer.pop("mobile") if _known_mobile(customer.get("mobile")) else None
        try:
            customer = services.customer_clean(customer)
            if mobile:
                customer["mobile"] = mobile
            if vehicle:
                vehicle = services.vehicle_clean(vehicle)
        except ValidationError as error:
            return RowOutcome(number, FAILED, self.reason(error))
        too_long = self.too_long(Customer, customer) or self.too_long(Vehicle, vehicle)
        if too_long:
            return RowOutcome(number, FAILED, self.reason(too_long))
        person = SimpleNamespace(**{name: customer.get(name, "") for name in _KEY_FIELDS})
        owned = [(vehicle["vin"], vehicle.get("plate", ""))] if vehicle else []
        return CustomerRow(
            number,
            customer,
            vehicle or None,
            kind_given,
            pinyin=normalize.name_pinyin(customer["name"])[0],
            keys=frozenset(services.customer_search_keys(person, owned)),
        )

    # --- writing ---------------------------------------------------------------------------

    def write(self, rows: list[CustomerRow]) -> list[RowOutcome]:
        if not rows:
            return []
        self.lock_dealer()
        vehicles, customers, index = self._load(rows)
        # Dicts as ordered sets (records hash by identity): a list's `in` made a batch
        # quadratic in its size.
        new_customers: dict[_Record, None] = {}
        new_vehicles: dict[_Record, None] = {}
        outcomes = []
        for row in rows:
            outcome, customer, vehicle = self._match(row, vehicles, customers, index)
            if customer.is_new:
                new_customers[customer] = None
            if vehicle is not None and vehicle.is_new:
                new_vehicles[vehicle] = None
            outcomes.append(RowOutcome(row.number, outcome))
        new_customers, new_vehicles = list(new_customers), list(new_vehicles)
        self._save_customers(new_customers, customers.values())
        self._save_vehicles(new_vehicles, vehicles.values())
        self._save_search_keys(new_customers + list(customers.values()), new_customers)
        return outcomes

    def _load(self, rows: list[CustomerRow]):
        """The batch's existing vehicles (by VIN) and candidate customers, one query each."""
        dealer_id = self.dealer.pk
        vins = {row.vehicle["vin"] for row in rows if row.vehicle}
        vehicles = {
            values["vin"]: _Record(values, pk=values["id"])
            for values in Vehicle.objects.filter(dealer_id=dealer_id, vin__in=vins).values(
                *self.vehicle_fields
            )
        }
        owner_ids = {record.values["owner_id"] for record in vehicles.values()}
        codes, phones, id_numbers, landlines = set(), set(), set(), set()
        for row in rows:
            customer = row.customer
            if customer.get("owner_code"):
                codes.add(customer["owner_code"])
            if customer.get("mobile"):
                phones.add(customer["mobile"])
            if customer.get("id_number"):
                id_numbers.add(customer["id_number"])
            for phone in ("home_phone", "office_phone"):
                if customer.get(phone):
                    landlines.add(SearchKey.PHONE + customer[phone][::-1])
        if landlines:
            # Landlines are not columns with an index; their search keys are.
            owner_ids |= set(
                SearchKey.objects.filter(dealer_id=dealer_id, key__in=landlines).values_list(
                    "customer_id", flat=True
                )
            )
        condition = (
            Q(pk__in=owner_ids)
            | Q(owner_code__in=codes)
            | Q(mobile__in=phones)
            | Q(id_number__in=id_numbers)
        )
        candidates = (
            Customer.objects.filter(dealer_id=dealer_id, merged_into__isnull=True)
            .filter(condition)
            .order_by("pk")
            .values(*self.customer_fields)
        )
        customers = {values["id"]: _Record(values, pk=values["id"]) for values in candidates}
        index = _CustomerIndex()
        for record in customers.values():
            index.add(record)
        for record in vehicles.values():
            record.owner = customers.get(record.values["owner_id"])
        return vehicles, customers, index

    def _match(self, row: CustomerRow, vehicles, customers, index):
        """Apply one row to the batch's records; returns (outcome, customer, vehicle)."""
        vehicle = vehicles.get(row.vehicle["vin"]) if row.vehicle else None
        owner = vehicle.owner if vehicle is not None else None
        if owner is not None and _same_person(owner.values, row.customer):
            customer = owner
        else:
            customer = index.find(row.customer)
        created = customer is None
        if created:
            customer = _Record({"kind": CustomerKind.INDIVIDUAL, **row.customer}, prepared=row)
            customer.keys_dirty = True
            changed = False
            if vehicle is not None:
                customer.prepared = None  # it takes over a known vehicle: keys from the database
        else:
            customer.prepared = None
            skip = {"owner_code"} | (set() if row.kind_given else {"kind"})
            changed = customer.apply(row.customer, skip=skip)
            customer.keys_dirty |= bool(customer.changed & _KEY_FIELDS)
        index.add(customer)
        if row.vehicle is None:
            return (CREATED if created else UPDATED if changed else UNCHANGED), customer, None
        if vehicle is None:
            vehicle = _Record(dict(row.vehicle), owner=customer)
            vehicles[row.vehicle["vin"]] = vehicle
            customer.keys_dirty = True
            return CREATED, customer, vehicle
        changed |= vehicle.apply(row.vehicle, skip={"vin"})
        if "plate" in vehicle.changed and vehicle.owner is not None:
            vehicle.owner.keys_dirty = True
            vehicle.owner.prepared = None
        if vehicle.owner is not customer:
            # A known VIN under another owner: the vehicle changed hands (vehicle_transfer).
            if vehicle.transferred_from is None and not vehicle.is_new:
                vehicle.transferred_from = vehicle.owner
            if vehicle.owner is not None:
                vehicle.owner.keys_dirty = True
                vehicle.owner.prepared = None
            vehicle.owner = customer
            vehicle.changed.add("owner")
            customer.keys_dirty = True
            changed = True
        return (CREATED if created else UPDATED if changed else UNCHANGED), customer, vehicle

    def _save_customers(self, new: list[_Record], existing: Iterable[_Record]) -> None:
        table = self.table(Customer)
        codes = iter(
            services.owner_codes_next(
                dealer=self.dealer, count=sum(1 for r in new if not r.values.get("owner_code"))
            )
        )
        rows = []
        for record in new:
            if not record.values.get("owner_code"):
                record.values["owner_code"] = next(codes)
            rows.append(
                {
                    **record.values,
                    "dealer_id": self.dealer.pk,
                    "name_pinyin": record.prepared.pinyin
                    if record.prepared
                    else normalize.name_pinyin(record.values["name"])[0],
                    "created_by_id": self.by.pk if self.by else None,
                }
            )
        table.insert(rows)
        if new:
            ids = _ids_by(
                Customer, "owner_code", [r.values["owner_code"] for r in new], self.dealer
            )
            for record in new:
                record.pk = record.values["id"] = ids[record.values["owner_code"]]
        now = timezone.now()
        updates = []
        for record in existing:
            if record.changed:
                values = {name: record.values[name] for name in record.changed}
                if "name" in values:
                    values["name_pinyin"] = normalize.name_pinyin(values["name"])[0]
                updates.append((record.pk, {**values, "updated_at": now}))
        table.update(updates)

    def _save_vehicles(self, new: list[_Record], existing: Iterable[_Record]) -> None:
        table = self.table(Vehicle)
        rows = []
        for record in new:
            values = record.values
            rows.append(
                {
                    **values,
                    "dealer_id": self.dealer.pk,
                    "owner_id": record.owner.pk,
                    "mileage": values.get("purchase_mileage", 0),
                }
            )
        table.insert(rows)
        if new:
            ids = _ids_by(Vehicle, "vin", [r.values["vin"] for r in new], self.dealer)
            for record in new:
                record.pk = ids[record.values["vin"]]
        now = timezone.now()
        updates, transferred = [], []
        for record in existing:
            if not record.changed:
                continue
            values = {name: record.values[name] for name in record.changed if name != "owner"}
            if "owner" in record.changed:
                values["owner_id"] = record.owner.pk
                if (
                    record.transferred_from is not None
                    and record.transferred_from is not record.owner
                ):
                    transferred.append(record)
            updates.append((record.pk, {**values, "updated_at": now}))
        table.update(updates)
        self._save_ownerships(new, transferred)

    def _save_ownerships(self, new: list[_Record], transferred: list[_Record]) -> None:
        """One open ownership per vehicle: new vehicles get one, transferred vehicles have
        the open one closed today and a new one opened, as vehicle_transfer() does."""
        if transferred:
            VehicleOwnership.objects.filter(
                vehicle_id__in=[r.pk for r in transferred], end_date__isnull=True
            ).update(end_date=self.today)
        rows = [
            {
                "dealer_id": self.dealer.pk,
                "vehicle_id": record.pk,
                "customer_id": record.owner.pk,
                "start_date": record.values.get("purchase_date") or self.today,
                "reason": OwnershipReason.IMPORT,
                "recorded_by_id": self.by.pk if self.by else None,
            }
            for record in new
        ] + [
            {
                "dealer_id": self.dealer.pk,
                "vehicle_id": record.pk,
                "customer_id": record.owner.pk,
                "start_date": self.today,
                "reason": OwnershipReason.IMPORT,
                "recorded_by_id": self.by.pk if self.by else None,
            }
            for record in transferred
        ]
        self.table(VehicleOwnership).insert(rows)

    def _save_search_keys(self, customers: list[_Record], created: list[_Record]) -> None:
        """Rebuild the keys of every customer whose name, phones or vehicles changed."""
        dirty = {record.pk: record for record in customers if record.keys_dirty}
        if not dirty:
            return
        computed = [pk for pk, record in dirty.items() if record.prepared is None]
        vehicles: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for owner_id, vin, plate in Vehicle.objects.filter(owner_id__in=computed).values_list(
            "owner_id", "vin", "plate"
        ):
            vehicles[owner_id].append((vin, plate))
        new = {record.pk for record in created}
        SearchKey.objects.filter(customer_id__in=[pk for pk in computed if pk not in new]).delete()
        rows = []
        dealer_id = self.dealer.pk
        for pk, record in dirty.items():
            if record.prepared is not None:
                keys = record.prepared.keys
            else:
                person = SimpleNamespace(**{k: record.values.get(k, "") for k in _KEY_FIELDS})
                keys = services.customer_search_keys(person, vehicles[pk])
            rows.extend((dealer_id, key, pk) for key in keys)
        self.table(SearchKey).insert_tuples(("dealer_id", "key", "customer_id"), rows)


def _ids_by(model: type, column: str, values: list[str], dealer: Dealer) -> dict[str, int]:
    """{value: id} of the dealer's rows whose text `column` is one of `values` (a batch's
    worth): the rows a batch just inserted. Raw SQL, as the ORM's values_list() would run
    it, without the ~3.5 µs the ORM spends preparing each of the values."""
    if not values:
        return {}
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(column)}, {quote('id')} FROM {quote(model._meta.db_table)} "
            f"WHERE {quote('dealer_id')} = %s AND {quote(column)} IN ({marks})",
            [dealer.pk, *values],
        )
        return dict(cursor.fetchall())


def _same_person(owner: dict[str, Any], customer: dict[str, Any]) -> bool:
    """Is the row's customer the vehicle's current owner? The owner code decides when both
    have one; else the name (a changed phone number is an update, not a new owner)."""
    if customer.get("owner_code") and owner.get("owner_code"):
        return customer["owner_code"] == owner["owner_code"]
    return _name_key(owner.get("name", "")) == _name_key(customer["name"])


_MOBILE_PREFIXES: dict[str, bool] = {}


def _known_mobile(raw: str | None) -> bool:
    """Is `raw` a plain 11-digit number that normalize_phone() accepts as a mobile?

    Validity of a mainland mobile number depends on its first 7 digits (the carrier's block),
    so the verdict is cached per block: phonenumbers costs ~20 µs a number, a third of the
    time an import spends on a row. Anything not plain goes through customer_clean().
    """
    if not raw or len(raw) != 11 or not raw.isdigit() or raw[0] != "1":
        return False
    block = raw[:7]
    if block not in _MOBILE_PREFIXES:
        if len(_MOBILE_PREFIXES) > 200_000:  # keep memory flat on odd data
            _MOBILE_PREFIXES.clear()
        try:
            _MOBILE_PREFIXES[block] = (
                normalize.phone_kind(normalize.normalize_phone(raw)) == "mobile"
            )
        except ValidationError:
            _MOBILE_PREFIXES[block] = False
    return _MOBILE_PREFIXES[block]


def _move_landline(customer: dict[str, Any]) -> None:
    """A DMS "电话" column holds landlines too: file a landline as home or office phone."""
    raw = customer.get("mobile")
    if not raw or (len(raw) == 11 and raw.isdigit() and raw.startswith("1")):
        return
    try:
        digits = normalize.normalize_phone(raw)
    except ValidationError:
        return  # customer_clean reports it
    if normalize.phone_kind(digits) == "landline":
        for other in ("home_phone", "office_phone"):
            if not customer.get(other) or customer[other] == raw:
                customer[other] = digits
                del customer["mobile"]
                return


def _guess_kind(customer: dict[str, Any]) -> str:
    """Without a customer-type column, a name like "深圳XX物流有限公司" or a unified social
    credit code in the ID column make the customer a company."""
    name = customer.get("name", "")
    if any(hint in name for hint in _COMPANY_HINTS):
        return CustomerKind.COMPANY
    if customer.get("id_number"):
        try:
            normalize.normalize_id_number(customer["id_number"])
        except ValidationError:
            try:
                normalize.normalize_uscc(customer["id_number"])
                return CustomerKind.COMPANY
            except ValidationError:
                pass
    return CustomerKind.INDIVIDUAL


# =========================================================================== service history


@dataclass
class VisitRow:
    number: int
    vin: str
    plate: str
    visit: dict[str, Any]


_VISIT_FIELDS = ("visit_date", "mileage", "visit_type", "amount", "advisor_name", "description")


class VisitImporter(BaseImporter):
    """Service visits; the vehicle must be in the archive (found by VIN, else plate)."""

    key_targets = ("vin", "plate", "repair_order_no")

    def parse(self, number: int, cells: tuple) -> VisitRow | RowOutcome:
        values, errors = self.values(cells)
        if errors:
            return RowOutcome(number, FAILED, "; ".join(errors))
        problems: dict[str, list[str]] = {}
        vin, plate = values.get("vin", ""), values.get("plate", "")
        try:
            vin = normalize.normalize_vin(vin) if vin else ""
        except ValidationError as error:
            problems["vin"] = error.messages
        if plate and not vin:
            try:
                plate = normalize.normalize_plate(plate)
            except ValidationError as error:
                problems["plate"] = error.messages
        if not vin and not plate and not problems:
            problems["vin"] = [_("Give the VIN or the plate number of the vehicle.")]
        visit = {
            "visit_date": values.get("visit_date"),
            "mileage": values.get("mileage"),
            "visit_type": values.get("visit_type") or "",
            "amount": values.get("amount") or Decimal("0"),
            "repair_order_no": values.get("repair_order_no", ""),
            "advisor_name": values.get("advisor_name", ""),
            "description": values.get("description", "")[:300],
        }
        if visit["visit_date"] is None:
            problems["visit_date"] = [_("Enter the visit date.")]
        elif visit["visit_date"] > self.today:
            problems["visit_date"] = [_("The visit date cannot be in the future.")]
        if visit["mileage"] is None or visit["mileage"] > services.MAX_ODOMETER_KM:
            problems["mileage"] = [_("Enter the odometer reading in km.")]
        if not visit["visit_type"]:
            problems["visit_type"] = [_("Choose a visit type.")]
        too_long = self.too_long(ServiceVisit, visit)
        if too_long:
            problems.update(too_long.message_dict)
        if problems:
            return RowOutcome(number, FAILED, self.reason(ValidationError(problems)))
        return VisitRow(number, vin, plate if not vin else "", visit)

    def write(self, rows: list[VisitRow]) -> list[RowOutcome]:
        if not rows:
            return []
        self.lock_dealer()
        by_vin, by_plate = self._vehicles(rows)
        history, by_order = self._visits(rows, by_vin, by_plate)
        self.corrections = _corrections_of(
            {v["id"] for v in by_vin.values()} | {v["id"] for vs in by_plate.values() for v in vs}
        )
        outcomes, new, updates = [], [], []
        touched_vehicles: set[int] = set()
        touched_customers: set[int] = set()
        for row in rows:
            vehicle, problem = self._vehicle_of(row, by_vin, by_plate)
            if problem:
                outcomes.append(RowOutcome(row.number, FAILED, problem))
                continue
            outcome = self._apply(row, vehicle, history, by_order, new, updates)
            outcomes.append(outcome)
            if outcome.outcome in (CREATED, UPDATED):
                touched_vehicles.add(vehicle["id"])
                touched_customers.add(vehicle["owner_id"])
        for _pk, _values, previous_customer in updates:
            touched_customers.add(previous_customer)
        self.table(ServiceVisit).insert(new)
        self.table(ServiceVisit).update([(pk, values) for pk, values, _c in updates])
        _vehicles_mileage_refresh(touched_vehicles)
        _customers_visits_refresh(touched_customers)
        return outcomes

    def _vehicles(self, rows: list[VisitRow]):
        vins = {row.vin for row in rows if row.vin}
        plates = {row.plate for row in rows if row.plate}
        by_vin: dict[str, dict] = {}
        by_plate: dict[str, list[dict]] = defaultdict(list)
        for values in (
            Vehicle.objects.filter(dealer_id=self.dealer.pk)
            .filter(Q(vin__in=vins) | Q(plate__in=plates))
            .values("id", "vin", "plate", "owner_id", "purchase_mileage")
        ):
            by_vin[values["vin"]] = values
            if values["plate"] in plates:
                by_plate[values["plate"]].append(values)
        return by_vin, by_plate

    def _visits(self, rows: list[VisitRow], by_vin, by_plate):
        """Every visit of the batch's vehicles (for the odometer check) and the visits whose
        repair-order numbers the batch carries, whatever their vehicle."""
        vehicle_ids = {v["id"] for v in by_vin.values()} | {
            v["id"] for vs in by_plate.values() for v in vs
        }
        orders = {row.visit["repair_order_no"] for row in rows if row.visit["repair_order_no"]}
        history: dict[int, list[dict]] = defaultdict(list)
        by_order: dict[str, dict] = {}
        for values in (
            ServiceVisit.objects.filter(dealer_id=self.dealer.pk)
            .filter(Q(vehicle_id__in=vehicle_ids) | Q(repair_order_no__in=orders))
            .values("id", "vehicle_id", "customer_id", "repair_order_no", *_VISIT_FIELDS)
        ):
            history[values["vehicle_id"]].append(values)
            if values["repair_order_no"]:
                by_order[values["repair_order_no"]] = values
        return history, by_order

    @staticmethod
    def _vehicle_of(row: VisitRow, by_vin, by_plate) -> tuple[dict | None, str]:
        if row.vin:
            vehicle = by_vin.get(row.vin)
            if vehicle is None:
                return None, _("No vehicle with this VIN in the archive; import it first.")
            return vehicle, ""
        candidates = by_plate.get(row.plate, [])
        if not candidates:
            return None, _("No vehicle with this plate in the archive; import it first.")
        if len(candidates) > 1:
            return None, _("Several vehicles carry this plate; give the VIN.")
        return candidates[0], ""

    def _apply(self, row: VisitRow, vehicle, history, by_order, new, updates) -> RowOutcome:
        """The rules of services.service_visit_record for one row, on the batch's history."""
        visit = row.visit
        visits = history[vehicle["id"]]
        existing = None
        if visit["repair_order_no"]:
            existing = by_order.get(visit["repair_order_no"])
            if existing and existing["vehicle_id"] != vehicle["id"]:
                return RowOutcome(
                    row.number,
                    FAILED,
                    f"{self.column_label('repair_order_no')}: "
                    + _("This repair order belongs to another vehicle."),
                )
        else:
            existing = next(
                (
                    v
                    for v in visits
                    if v["visit_date"] == visit["visit_date"]
                    and v["visit_type"] == visit["visit_type"]
                ),
                None,
            )
        problem = _mileage_problem(
            vehicle, visits, visit, existing, self.corrections.get(vehicle["id"], [])
        )
        if problem:
            return RowOutcome(row.number, FAILED, f"{self.column_label('mileage')}: {problem}")
        values = {
            **{name: visit[name] for name in _VISIT_FIELDS},
            "customer_id": vehicle["owner_id"],
        }
        if existing is None:
            record = {
                **values,
                "dealer_id": self.dealer.pk,
                "vehicle_id": vehicle["id"],
                "repair_order_no": visit["repair_order_no"],
                "source": VisitSource.IMPORT,
            }
            # The same dict in both lists: a later row of the batch with this repair order
            # updates what will be inserted.
            new.append(record)
            visits.append(record)
            if visit["repair_order_no"]:
                by_order[visit["repair_order_no"]] = record
            return RowOutcome(row.number, CREATED)
        changed = {name: value for name, value in values.items() if existing.get(name) != value}
        if not changed:
            return RowOutcome(row.number, UNCHANGED)
        previous_customer = existing["customer_id"]
        existing.update(changed)
        if existing.get("id") is not None:
            updates.append((existing["id"], changed, previous_customer))
        return RowOutcome(row.number, UPDATED)


def _corrections_of(vehicle_ids: set[int]) -> dict[int, list[tuple]]:
    corrections: dict[int, list[tuple]] = defaultdict(list)
    for vehicle_id, day, km in MileageCorrection.objects.filter(
        vehicle_id__in=vehicle_ids
    ).values_list("vehicle_id", "effective_date", "new_mileage"):
        corrections[vehicle_id].append((day, km))
    return corrections


def _mileage_problem(
    vehicle: dict, visits: list[dict], visit: dict, existing, corrections: list[tuple]
) -> str:
    """The odometer never goes backwards: the bounds of services.odometer_bounds()."""
    date, mileage = visit["visit_date"], visit["mileage"]
    low, high = services.odometer_bounds(
        readings=[(v["visit_date"], v["mileage"]) for v in visits if v is not existing],
        corrections=corrections,
        date=date,
        purchase_mileage=vehicle["purchase_mileage"],
    )
    if low <= mileage and (high is None or mileage <= high):
        return ""
    return _(
        "The odometer reading %(mileage)s km does not fit the vehicle's history "
        "(%(low)s km before this date%(high)s). Give a correction reason to "
        "record it anyway."
    ) % {
        "mileage": mileage,
        "low": low,
        "high": "" if high is None else _(", %(km)s km after it") % {"km": high},
    }


def _vehicles_mileage_refresh(vehicle_ids: set[int]) -> None:
    """services.vehicle_mileage_refresh() for many vehicles in one statement.

    Vehicles with an odometer correction (rare) go through the service itself.
    """
    if not vehicle_ids:
        return
    corrected = set(
        MileageCorrection.objects.filter(vehicle_id__in=vehicle_ids).values_list(
            "vehicle_id", flat=True
        )
    )
    visits = ServiceVisit.objects.filter(vehicle_id=OuterRef("pk"))
    latest = visits.order_by("-visit_date", "-mileage")
    first = visits.filter(visit_type=VisitType.FIRST_MAINTENANCE).order_by("visit_date")
    Vehicle.objects.filter(pk__in=vehicle_ids - corrected).update(
        mileage=Subquery(latest.values("mileage")[:1]),
        mileage_date=Subquery(latest.values("visit_date")[:1]),
        first_service_date=Coalesce(
            Subquery(first.values("visit_date")[:1]), F("first_service_date")
        ),
        updated_at=timezone.now(),
    )
    for vehicle in Vehicle.objects.filter(pk__in=corrected):
        services.vehicle_mileage_refresh(vehicle=vehicle)


def _customers_visits_refresh(customer_ids: set[int]) -> None:
    """services.customer_visits_refresh() for many customers in one statement."""
    if not customer_ids:
        return
    visits = (
        ServiceVisit.objects.filter(customer_id=OuterRef("pk")).order_by().values("customer_id")
    )
    paid = visits.exclude(visit_type__in=VisitType.unpaid())
    money = DecimalField(max_digits=12, decimal_places=2)
    Customer.objects.filter(pk__in=customer_ids).update(
        last_visit_date=Subquery(visits.annotate(value=Max("visit_date")).values("value")),
        visit_count=Coalesce(Subquery(visits.annotate(value=Count("id")).values("value")), 0),
        paid_visit_count=Coalesce(Subquery(paid.annotate(value=Count("id")).values("value")), 0),
        total_spend=Coalesce(
            Subquery(visits.annotate(value=Sum("amount")).values("value"), output_field=money),
            Value(Decimal("0"), output_field=money),
        ),
    )
