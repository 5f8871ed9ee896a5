"""The complaint figures as an Excel workbook: the figures, one sheet per breakdown and one row
per dealer. Counts and rates only: no customer's name, phone or complaint text."""

from __future__ import annotations

import tempfile
from pathlib import Path

import xlsxwriter
from django.utils.translation import gettext as _

from .figures import Counts, FiguresReport, Ratio


def _percent(ratio: Ratio):
    return float(ratio.percent) if ratio.percent is not None else ""


def _number(value):
    return float(value) if value is not None else ""


def figure_rows(counts: Counts) -> list[tuple[str, object]]:
    """(label, value) of every headline figure, in the page's order."""
    return [
        (_("Complaints"), counts.total),
        (_("Important complaints"), counts.important),
        (_("Escalated to the manufacturer"), counts.escalated),
        (_("Emergency on-site assessments"), counts.on_site),
        (_("First response: average hours"), _number(counts.response_avg_hours)),
        (_("First response: median hours"), _number(counts.response_median_hours)),
        (_("First response within deadline %"), _percent(counts.response_on_time_rate)),
        (_("Closed"), counts.closed),
        (_("Closing: average days"), _number(counts.close_avg_days)),
        (_("Reopen rate %"), _percent(counts.reopen_rate)),
        (_("Overdue in period"), counts.overdue_in_period),
        (_("Open now"), counts.open),
        (_("Overdue now"), counts.overdue_now),
        (_("Repeat complainers in period"), counts.repeat_customers_period),
        (_("Repeat complainers in 12 months"), counts.repeat_customers_year),
        (_("Improvement actions due"), counts.actions_due),
        (_("Action completion rate %"), _percent(counts.action_completion)),
    ]


def figures_to_xlsx(*, report: FiguresReport, scope: str) -> Path:
    """Write the report to a temporary XLSX file and return its path."""
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as handle:
        path = Path(handle.name)
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    bold = workbook.add_format({"bold": True})

    sheet = workbook.add_worksheet(_("Figures"))
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 1, 40)
    period = report.period
    sheet.write_row(0, 0, [_("Scope"), scope])
    sheet.write_row(1, 0, [_("Period"), f"{period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}"])
    if report.escalated_only:
        sheet.write_row(2, 0, [_("Complaints"), _("Escalated complaints only")])
    sheet.write_row(4, 0, [_("Figure"), _("Value")], bold)
    for row, (label, value) in enumerate(figure_rows(report.totals), start=5):
        sheet.write_row(row, 0, [label, value])

    for breakdown in report.breakdowns:
        sheet = workbook.add_worksheet(breakdown.title[:31])
        sheet.set_column(0, 0, 30)
        sheet.write_row(0, 0, [breakdown.title, _("Complaints"), _("Share %")], bold)
        total = sum(n for *_rest, n in breakdown.rows)
        for row, (_code, label, count) in enumerate(breakdown.rows, start=1):
            sheet.write_row(row, 0, [label, count, _percent(Ratio(count, total))])

    sheet = workbook.add_worksheet(_("Dealers"))
    headers = [_("Dealer"), *(label for label, _value in figure_rows(report.totals))]
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, len(headers), 14)
    sheet.write_row(0, 0, headers, bold)
    for row, dealer in enumerate(report.dealers, start=1):
        sheet.write_row(row, 0, [dealer.name, *(v for _l, v in figure_rows(dealer.counts))])
    sheet.write_row(
        len(report.dealers) + 1,
        0,
        [_("Total"), *(v for _l, v in figure_rows(report.totals))],
        bold,
    )
    workbook.close()
    return path
