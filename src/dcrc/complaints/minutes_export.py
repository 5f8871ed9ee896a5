"""The weekly meeting's minutes in the standard format that goes to the manufacturer:
an XLSX workbook (xlsxwriter) and an A4 PDF (weasyprint, Noto Sans CJK SC).

The minutes name staff, never customers: they carry no personal data, so downloading them is
not written to the access log.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

import xlsxwriter
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from .improvement import agenda_labelled, is_overdue, meeting_actions
from .models import ImprovementAction, WeeklyMeeting


@dataclass
class Minutes:
    """Everything printed on the minutes, read once for both formats."""

    meeting: WeeklyMeeting
    title: str
    week: str
    held_at: str
    agenda: dict
    actions: list[ImprovementAction]
    today: datetime.date

    def action_rows(self) -> list[list[str]]:
        rows = []
        for action in self.actions:
            verification = action.verification_note
            if action.verified_at:
                verification = (
                    f"{timezone.localtime(action.verified_at):%Y-%m-%d} {action.verified_by or ''} "
                    f"{verification}"
                ).strip()
            rows.append(
                [
                    action.weak_point,
                    action.action,
                    str(action.owner),
                    f"{action.due_date:%Y-%m-%d}",
                    str(action.get_status_display()),
                    verification,
                ]
            )
        return rows


def minutes_read(meeting: WeeklyMeeting, *, today: datetime.date | None = None) -> Minutes:
    week_end = meeting.week_start + datetime.timedelta(days=6)
    held_at = ""
    if meeting.held_at:
        held_at = f"{timezone.localtime(meeting.held_at):%Y-%m-%d %H:%M}"
    return Minutes(
        meeting=meeting,
        title=_("%(dealer)s DCRC weekly meeting minutes") % {"dealer": meeting.dealer},
        week=f"{meeting.week_start:%Y-%m-%d} – {week_end:%Y-%m-%d}",
        held_at=held_at,
        agenda=agenda_labelled(meeting.agenda),
        actions=list(meeting_actions(meeting)),
        today=today or timezone.localdate(),
    )


def _headings() -> dict[str, list[str]]:
    return {
        "weak_points": [
            _("Department"),
            _("Weak point"),
            _("Complaints"),
            _("Callback problems"),
            _("Total"),
            _("Previous week"),
        ],
        "actions": [
            _("Weak point"),
            _("Corrective action"),
            _("Responsible"),
            _("Complete by"),
            _("Status"),
            _("Verification"),
        ],
    }


def minutes_xlsx(meeting: WeeklyMeeting) -> bytes:
    minutes = minutes_read(meeting)
    headings = _headings()
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    title = workbook.add_format({"bold": True, "font_size": 16, "align": "center"})
    label = workbook.add_format({"bold": True, "bg_color": "#f1f5f9", "border": 1})
    head = workbook.add_format(
        {"bold": True, "bg_color": "#dbeafe", "border": 1, "text_wrap": True}
    )
    cell = workbook.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    section = workbook.add_format({"bold": True, "font_size": 12})
    sheet = workbook.add_worksheet(_("Minutes"))
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 40)
    sheet.set_column(2, 5, 14)
    sheet.merge_range(0, 0, 0, 5, minutes.title, title)
    facts = [
        (_("Dealer"), meeting.dealer.name),
        (_("Week"), minutes.week),
        (_("Held at"), minutes.held_at),
        (_("Location"), meeting.location),
        (_("Chair"), str(meeting.chair or "")),
        (_("Attendees"), "、".join(meeting.attendees)),
    ]
    row = 2
    for name, value in facts:
        sheet.write(row, 0, name, label)
        sheet.merge_range(row, 1, row, 5, value, cell)
        row += 1
    row += 1
    sheet.write(row, 0, _("Weak points of the week"), section)
    row += 1
    sheet.write_row(row, 0, headings["weak_points"], head)
    for point in minutes.agenda["weak_points"]:
        row += 1
        sheet.write_row(
            row,
            0,
            [
                point["department_label"],
                point["category_label"],
                point["complaints"],
                point["callbacks"],
                point["total"],
                point["previous_total"],
            ],
            cell,
        )
    row += 2
    for name, text in ((_("Minutes"), meeting.minutes), (_("Decisions"), meeting.decisions)):
        sheet.write(row, 0, name, label)
        sheet.merge_range(row, 1, row, 5, text, cell)
        sheet.set_row(row, max(30, 15 * (text.count("\n") + 1)))
        row += 1
    row += 1
    sheet.write(row, 0, _("Corrective actions"), section)
    row += 1
    sheet.write_row(row, 0, headings["actions"], head)
    for values in minutes.action_rows():
        row += 1
        sheet.write_row(row, 0, values, cell)
    sheet.fit_to_pages(1, 0)
    sheet.set_paper(9)  # A4
    workbook.close()
    return buffer.getvalue()


def minutes_html(meeting: WeeklyMeeting) -> str:
    minutes = minutes_read(meeting)
    return render_to_string(
        "complaints/improvement/minutes_pdf.html",
        {
            "minutes": minutes,
            "meeting": meeting,
            "headings": _headings(),
            "action_rows": minutes.action_rows(),
            "overdue": [is_overdue(action, minutes.today) for action in minutes.actions],
        },
    )


def minutes_pdf(meeting: WeeklyMeeting) -> bytes:
    import weasyprint  # imported here: it loads pango, which only the export needs

    return weasyprint.HTML(string=minutes_html(meeting)).write_pdf()
