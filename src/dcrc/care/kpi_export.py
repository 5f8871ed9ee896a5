"""The KPI page as an Excel workbook: one sheet of figures, one per breakdown."""

from __future__ import annotations

import tempfile
from pathlib import Path

import xlsxwriter
from django.utils.translation import gettext as _

from .kpis import KpiReport, Ratio


def _percent(ratio: Ratio):
    return float(ratio.percent) if ratio.percent is not None else ""


def kpi_report_to_xlsx(*, report: KpiReport, dealers: str) -> Path:
    """Write the report to a temporary XLSX file and return its path."""
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as handle:
        path = Path(handle.name)
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    bold = workbook.add_format({"bold": True})
    red = workbook.add_format({"font_color": "#d63939"})
    green = workbook.add_format({"font_color": "#2fb344"})

    sheet = workbook.add_worksheet(_("Figures"))
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 4, 14)
    sheet.write_row(0, 0, [_("Dealer"), dealers])
    sheet.write_row(
        1, 0, [_("Period"), f"{report.period.start:%Y-%m-%d} – {report.period.end:%Y-%m-%d}"]
    )
    sheet.write_row(3, 0, [_("Figure"), _("Value %"), _("Count"), _("Of"), _("Target %")], bold)
    ratios = [
        (_("Callback coverage"), report.coverage),
        (_("Callback success rate"), report.success),
        (_("On-time rate (1–3 days)"), report.on_time),
        (_("24-hour reply rate"), report.reply),
        (_("Satisfied customers"), report.satisfied),
    ]
    row = 4
    for label, ratio in ratios:
        fmt = None
        if ratio.meets_target is not None:
            fmt = green if ratio.meets_target else red
        sheet.write(row, 0, label)
        sheet.write(row, 1, _percent(ratio), fmt)
        sheet.write_row(row, 2, [ratio.numerator, ratio.denominator])
        sheet.write(row, 4, ratio.target if ratio.target is not None else "")
        row += 1
    for label, value in [
        (_("Tasks closed"), report.closed),
        (_("Attempts per task"), float(report.attempts_per_task or 0)),
        (_("Dials"), report.dials),
        (_("Tasks overdue now"), report.overdue),
    ]:
        sheet.write_row(row, 0, [label, value])
        row += 1

    sheet = workbook.add_worksheet(_("Failure reasons"))
    sheet.set_column(0, 0, 36)
    sheet.write_row(0, 0, [_("Close reason"), _("Tasks")], bold)
    for index, (_code, label, count) in enumerate(report.failure_reasons, start=1):
        sheet.write_row(index, 0, [label, count])
    offset = len(report.failure_reasons) + 2
    sheet.write_row(offset, 0, [_("Last outcome"), _("Tasks")], bold)
    for index, (_code, label, count) in enumerate(report.failure_outcomes, start=offset + 1):
        sheet.write_row(index, 0, [label, count])

    sheet = workbook.add_worksheet(_("Satisfaction"))
    sheet.set_column(0, 0, 20)
    sheet.write_row(0, 0, [_("Satisfaction"), _("Calls")], bold)
    for index, (_code, label, count) in enumerate(report.satisfaction, start=1):
        sheet.write_row(index, 0, [label, count])

    sheet = workbook.add_worksheet(_("Conversion"))
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 5, 14)
    sheet.write_row(
        0,
        0,
        [
            _("Reminder"),
            _("Reminders"),
            _("Appointments"),
            _("Appointment %"),
            _("Arrivals"),
            _("Arrival %"),
        ],
        bold,
    )
    for index, item in enumerate(report.conversions, start=1):
        sheet.write_row(
            index,
            0,
            [
                item.label,
                item.reminders,
                item.appointments,
                _percent(item.appointment_rate),
                item.arrivals,
                _percent(item.arrival_rate),
            ],
        )

    sheet = workbook.add_worksheet(_("Agents"))
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 8, 12)
    sheet.write_row(
        0,
        0,
        [
            _("Agent"),
            _("Dials"),
            _("Tasks closed"),
            _("Callbacks closed"),
            _("Reached"),
            _("Success %"),
            _("On time %"),
            _("Attempts per task"),
            _("Overdue now"),
        ],
        bold,
    )
    for index, agent in enumerate(report.agents, start=1):
        sheet.write_row(
            index,
            0,
            [
                agent.name or _("Unassigned"),
                agent.dials,
                agent.closed,
                agent.callbacks,
                agent.callbacks_reached,
                _percent(agent.success),
                _percent(agent.on_time_rate),
                float(agent.attempts_per_task or 0),
                agent.overdue,
            ],
        )

    sheet = workbook.add_worksheet(_("Trend"))
    sheet.set_column(0, 0, 12)
    sheet.write_row(0, 0, [_("From"), _("Callbacks closed"), _("Reached"), _("Success %")], bold)
    for index, point in enumerate(report.trend, start=1):
        rate = float(point["rate"]) if point["rate"] is not None else ""
        sheet.write_row(index, 0, [point["date"], point["closed"], point["reached"], rate])
    workbook.close()
    return path
