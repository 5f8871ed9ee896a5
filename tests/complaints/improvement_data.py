"""Data of the improvement-loop tests: callback problems heard, actions, meetings, surveys;
made through the same services users go through."""

import datetime
import io
import itertools

import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from dcrc.care.choices import CallOutcome, TaskKind
from dcrc.care.models import ContactTask
from dcrc.care.services import attempt_record
from dcrc.complaints import choices, improvement, surveys
from tests.complaints.conftest import MONDAY_10
from tests.factories import make_customer

# The week of MONDAY_10 (16–22 November 2026) and the days around it.
WEEK = improvement.period_week(MONDAY_10.date())
TODAY = MONDAY_10.date()
_keys = itertools.count(1)


def heard(dealer, agent, problems, *, at=MONDAY_10):
    """A reached post-service callback in which the customer named `problems`."""
    task = ContactTask.objects.create(
        dealer=dealer,
        kind=TaskKind.SERVICE_CALLBACK,
        customer=make_customer(dealer),
        due_from=at.date(),
        due_until=at.date() + datetime.timedelta(days=2),
        source_key=f"improve-test:{next(_keys)}",
    )
    return attempt_record(
        task=task, agent=agent, outcome=CallOutcome.REACHED, problems=problems, at=at
    )


def action(dealer, by, owner, **fields):
    values = {
        "department": choices.Department.WORKSHOP,
        "category": choices.Category.REPAIR_QUALITY,
        "weak_point": "维修质量 · 一次修复率低",
        "action": "每周抽检5台交车车辆，技术经理签字确认。",
        "due_date": TODAY + datetime.timedelta(days=7),
        "today": TODAY,
    }
    values.update(fields)
    return improvement.improvement_action_create(dealer=dealer, by=by, owner=owner, **values)


def survey_xlsx(rows, heading=("项目编码", "项目", "得分", "目标", "关键项")) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, heading)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row)
    workbook.close()
    return buffer.getvalue()


def upload(content: bytes, name="csi.xlsx"):
    return SimpleUploadedFile(name, content)


def survey_import(dealer, by, rows, *, month, kind=choices.SurveyKind.CSI, **fields):
    content = survey_xlsx(rows)
    return surveys.survey_import(
        dealer=dealer,
        kind=kind,
        month=month,
        upload=io.BytesIO(content),
        filename="csi.xlsx",
        by=by,
        **fields,
    )


def complaint(dealer, by, **fields):
    """A complaint told by a caller not (yet) in the archive."""
    from tests.complaints.conftest import register

    fields.setdefault("contact_name", "李先生")
    fields.setdefault("contact_phone", "13800000000")
    return register(dealer, by, **fields)
