"""Satisfaction surveys (CSI for service, SSI for sales; domain §7): the monthly import of the
manufacturer's results and the month-to-month tracking of the key items."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import openpyxl
import xlsxwriter
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import FirstValue, Lag
from django.utils.translation import gettext as _

from dcrc.core.models import Dealer, User

from .choices import SurveyKind
from .models import SatisfactionSurvey, SurveyItem

MAX_ROWS = 500
# Column headings understood, in English or Chinese, as the manufacturer's files write them.
HEADINGS = {
    "code": {"item code", "code", "项目编码", "编码", "指标编码", "代码"},
    "name": {"item", "name", "项目", "项目名称", "指标", "指标名称"},
    "score": {"score", "得分", "分数", "本月得分"},
    "target": {"target", "目标", "目标值", "目标分"},
    "is_key": {"key item", "key", "关键项", "关键指标", "是否关键"},
}
OVERALL_CODES = {"overall", "total", "总分", "综合得分", "csi", "ssi"}
YES = {"是", "y", "yes", "1", "true", "x", "√"}
NO = {"否", "n", "no", "0", "false", ""}


@dataclass
class ImportResult:
    survey: SatisfactionSurvey | None
    imported: int = 0
    removed: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rows(upload, filename: str) -> list[list[str]]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        try:
            workbook = openpyxl.load_workbook(upload, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds on a broken file
            raise ValidationError({"file": _("This is not a readable XLSX file.")}) from error
        sheet = workbook.worksheets[0]
        rows = [
            [_cell(value) for value in row]
            for row in sheet.iter_rows(max_row=MAX_ROWS + 1, values_only=True)
        ]
        workbook.close()
        return rows
    if name.endswith(".csv"):
        raw = upload.read()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValidationError({"file": _("The CSV file is neither UTF-8 nor GBK.")})
        return [[_cell(value) for value in row] for row in csv.reader(io.StringIO(text))][
            : MAX_ROWS + 1
        ]
    raise ValidationError({"file": _("Upload an XLSX or CSV file.")})


def _columns(heading: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(heading):
        for key, names in HEADINGS.items():
            if title.strip().lower() in names and key not in columns:
                columns[key] = index
    missing = [key for key in ("code", "name", "score") if key not in columns]
    if missing:
        raise ValidationError(
            {
                "file": _(
                    "The first row must name the columns: item code, item, score, target, key item."
                )
            }
        )
    return columns


def _decimal(text: str) -> Decimal:
    value = Decimal(text.replace(",", "").rstrip("%"))
    if not value.is_finite() or not Decimal("0") <= value <= Decimal("1000"):
        raise InvalidOperation
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def survey_import(
    *,
    dealer: Dealer,
    kind: str,
    month: datetime.date,
    upload,
    filename: str,
    by: User,
    overall_score: Decimal | None = None,
    replace: bool = False,
) -> ImportResult:
    """Import one month's CSI or SSI results of a dealer from XLSX or CSV.

    All or nothing: when any row is bad, every bad row is reported with its number and reason
    and nothing is saved. A second import of the same month replaces that month's items only
    when `replace` is given: items are matched by their code, so that the actions linked to an
    item stay linked; without an overall score the month keeps the one it had.
    """
    if kind not in SurveyKind.values:
        raise ValidationError({"kind": _("Choose CSI or SSI.")})
    month = month.replace(day=1)
    rows = _rows(upload, filename)
    if not rows:
        raise ValidationError({"file": _("The file is empty.")})
    columns = _columns(rows[0])
    result = ImportResult(survey=None)
    items: dict[str, dict] = {}
    overall = overall_score
    if len(rows) > MAX_ROWS:
        result.errors.append(
            (MAX_ROWS + 1, _("Only the first %(n)s rows are read.") % {"n": MAX_ROWS})
        )
        rows = rows[:MAX_ROWS]

    def value(row: list[str], key: str) -> str:
        index = columns.get(key)
        return row[index] if index is not None and index < len(row) else ""

    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        code, name = value(row, "code"), value(row, "name")
        if code.lower() in OVERALL_CODES or name.lower() in OVERALL_CODES:
            try:
                overall = _decimal(value(row, "score")) if overall_score is None else overall
            except InvalidOperation:
                result.errors.append((number, _("The overall score is not a number.")))
            continue
        try:
            reason = None
            if not code:
                reason = _("The item code is missing.")
            elif len(code) > 30:
                reason = _("The item code is longer than 30 characters.")
            elif not name:
                reason = _("The item name is missing.")
            elif code in items:
                reason = _("Item code %(code)s appears twice.") % {"code": code}
            if reason:
                result.errors.append((number, reason))
                continue
            try:
                score = _decimal(value(row, "score"))
            except InvalidOperation:
                result.errors.append((number, _("The score is not a number from 0 to 1000.")))
                continue
            target_text = value(row, "target")
            try:
                target = _decimal(target_text) if target_text else None
            except InvalidOperation:
                result.errors.append((number, _("The target is not a number from 0 to 1000.")))
                continue
            key_text = value(row, "is_key").lower()
            if key_text not in YES | NO:
                result.errors.append((number, _("Key item must be 是/否, Y/N or 1/0.")))
                continue
            items[code] = {
                "name": name[:200],
                "score": score,
                "target": target,
                "is_key": key_text in YES,
            }
        except (IndexError, ValueError):
            result.errors.append((number, _("The row cannot be read.")))
    reasons = [
        _("Row %(row)s: %(reason)s") % {"row": number, "reason": reason}
        for number, reason in result.errors
    ]
    if result.errors:
        raise ValidationError(
            {"file": [_("Nothing was imported: correct these rows and import again."), *reasons]}
        )
    if not items:
        raise ValidationError({"file": [_("No item could be imported.")]})
    survey = (
        SatisfactionSurvey.objects.select_for_update()
        .filter(dealer=dealer, kind=kind, month=month)
        .first()
    )
    if survey is not None and not replace:
        raise ValidationError(
            {
                "month": _(
                    "This month already has results. Tick “replace the existing results of "
                    "that month” to import it again."
                )
            }
        )
    if survey is None:
        survey = SatisfactionSurvey.objects.create(
            dealer=dealer,
            kind=kind,
            month=month,
            overall_score=overall,
            source_name=filename[:200],
            imported_by=by,
        )
    else:
        if overall is not None:
            survey.overall_score = overall
        survey.source_name = filename[:200]
        survey.imported_by = by
        survey.save(update_fields=["overall_score", "source_name", "imported_by", "imported_at"])
    existing = {item.code: item for item in survey.items.all()}
    result.removed, _deleted = survey.items.exclude(code__in=items).delete()
    changed = []
    for code, data in items.items():
        item = existing.get(code)
        if item is None:
            SurveyItem.objects.create(dealer=dealer, survey=survey, code=code, **data)
        else:
            for name, new in data.items():
                setattr(item, name, new)
            changed.append(item)
    SurveyItem.objects.bulk_update(changed, ["name", "score", "target", "is_key"])
    result.survey = survey
    result.imported = len(items)
    return result


def surveys_list(*, user: User, dealer: Dealer | None = None) -> QuerySet[SatisfactionSurvey]:
    return (
        SatisfactionSurvey.objects.for_user(user, dealer)
        .select_related("dealer")
        .annotate(
            item_count=Count("items"),
            key_count=Count("items", filter=Q(items__is_key=True)),
            below_target=Count(
                "items", filter=Q(items__is_key=True, items__score__lt=F("items__target"))
            ),
        )
        .order_by("-month", "dealer__code", "kind")
    )


def survey_detail(*, user: User, pk: int) -> SatisfactionSurvey:
    return SatisfactionSurvey.objects.for_user(user).select_related("dealer").get(pk=pk)


def _rate(score: Decimal, base: Decimal | None) -> Decimal | None:
    """(score − base) / base as a percentage."""
    if base is None or not base:
        return None
    return ((score - base) * 100 / base).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class KeyItemMonth:
    month: datetime.date
    score: Decimal
    target: Decimal | None
    rate: Decimal | None  # vs. the previous month
    item_id: int

    @property
    def gap(self) -> Decimal | None:
        return None if self.target is None else self.score - self.target


@dataclass
class KeyItemTrend:
    code: str
    name: str
    months: dict[datetime.date, KeyItemMonth] = field(default_factory=dict)
    rate_from_first: Decimal | None = None
    latest: KeyItemMonth | None = None
    open_actions: int = 0


def key_item_trends(
    *, dealer_id: int, kind: str, first: datetime.date, last: datetime.date
) -> tuple[list[datetime.date], list[KeyItemTrend]]:
    """Each key item's score month by month from `first` to `last` with its improvement rate
    (vs. the previous month and vs. the first month of the range) and its gap to target.

    The previous and first scores come from window functions; items that are key in any month
    of the range are tracked in every month they were surveyed.
    """
    first, last = first.replace(day=1), last.replace(day=1)
    in_range = SurveyItem.objects.filter(
        dealer_id=dealer_id,
        survey__kind=kind,
        survey__month__gte=first,
        survey__month__lte=last,
    )
    key_codes = in_range.filter(is_key=True).values("code")
    window = {"partition_by": [F("code")], "order_by": F("survey__month").asc()}
    rows = (
        in_range.filter(code__in=key_codes)
        .annotate(
            month=F("survey__month"),
            previous=Window(Lag("score"), **window),
            first_score=Window(FirstValue("score"), **window),
            open_actions=Count(
                "actions", filter=Q(actions__status__in=["open", "in_progress", "rejected"])
            ),
        )
        .values(
            "pk",
            "code",
            "name",
            "score",
            "target",
            "month",
            "previous",
            "first_score",
            "open_actions",
        )
        .order_by("code", "month")
    )
    months: list[datetime.date] = []
    trends: dict[str, KeyItemTrend] = {}
    for row in rows:
        trend = trends.setdefault(row["code"], KeyItemTrend(row["code"], row["name"]))
        trend.name = row["name"]
        previous = Decimal(row["previous"]) if row["previous"] is not None else None
        cell = KeyItemMonth(
            month=row["month"],
            score=Decimal(row["score"]),
            target=Decimal(row["target"]) if row["target"] is not None else None,
            rate=_rate(Decimal(row["score"]), previous),
            item_id=row["pk"],
        )
        trend.months[cell.month] = cell
        trend.latest = cell
        trend.open_actions = row["open_actions"]
        trend.rate_from_first = _rate(cell.score, Decimal(row["first_score"]))
        if cell.month not in months:
            months.append(cell.month)
    return sorted(months), list(trends.values())


def survey_template_xlsx() -> bytes:
    """A sample file to fill in: the columns the import reads, with example rows."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("CSI")
    bold = workbook.add_format({"bold": True, "bg_color": "#e8f0fe", "border": 1})
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 36)
    sheet.set_column(2, 4, 12)
    sheet.write_row(0, 0, ["项目编码", "项目", "得分", "目标", "关键项"], bold)
    examples = [
        ("overall", "总分", 88.6, "", ""),
        ("S01", "预约便利性", 90.5, 92, "是"),
        ("S02", "服务顾问接待", 87.2, 90, "是"),
        ("S03", "维修质量（一次修复）", 85.0, 90, "是"),
        ("S04", "交车时间准时", 89.1, 90, "否"),
        ("S05", "费用透明合理", 84.3, 88, "是"),
        ("S06", "休息区环境", 92.8, 90, "否"),
    ]
    for index, row in enumerate(examples, start=1):
        sheet.write_row(index, 0, row)
    workbook.close()
    return buffer.getvalue()
