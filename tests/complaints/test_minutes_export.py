"""The minutes in the standard format: XLSX and an A4 PDF in Chinese, without customers."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext
from pypdf import PdfReader

from dcrc.complaints import improvement
from dcrc.core.models import PersonalDataAccess
from tests.complaints.conftest import MONDAY_10
from tests.complaints.improvement_data import TODAY, action, complaint
from tests.conftest import login


@pytest.fixture
def held(care_a, cr_manager_a, service_manager_a):
    complaint(care_a, cr_manager_a, contact_name="赵敏")
    meeting = improvement.meeting_create(
        dealer=care_a, week_start=TODAY, by=cr_manager_a, today=TODAY
    )
    action(
        care_a,
        cr_manager_a,
        service_manager_a,
        meeting=meeting,
        weak_point="维修质量",
        action="建立交车前终检制度",
    )
    improvement.meeting_update(
        meeting=meeting,
        by=cr_manager_a,
        held_at=MONDAY_10 + datetime.timedelta(days=4, hours=5),
        location="二楼会议室",
        chair=cr_manager_a,
        attendees=["服务经理 刘洋", "厂家区域经理 王强"],
        minutes="通报本周短板问题：维修质量投诉2起。",
        decisions="车间本周完成终检制度。",
    )
    return improvement.meeting_finalise(meeting=meeting, by=cr_manager_a)


def test_it_exports_the_minutes_as_a_chinese_pdf(client, held, cr_manager_a):
    login(client, cr_manager_a)

    response = client.get(reverse("complaints:meeting_export", args=[held.pk, "pdf"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    # Cells wrap: read the text without line breaks.
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    # The title reads 「广州店 DCRC周度例会纪要」 once the catalogue has the translation.
    assert "广州店 DCRC" in text
    assert "二楼会议室" in text and "厂家区域经理 王强" in text
    assert "建立交车前终检制度" in text
    assert "赵敏" not in text  # no customer on the minutes
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 in points


def test_it_exports_the_minutes_as_a_workbook(client, held, cr_manager_a):
    login(client, cr_manager_a)

    response = client.get(reverse("complaints:meeting_export", args=[held.pk, "xlsx"]))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert values[0].startswith("广州店 DCRC")
    assert "服务经理 刘洋、厂家区域经理 王强" in values
    assert "建立交车前终检制度" in values
    assert "2026-11-20 15:00" in values
    assert "赵敏" not in values


def test_it_names_the_download_in_the_user_s_language(client, held, cr_manager_a):
    login(client, cr_manager_a)

    response = client.get(reverse("complaints:meeting_export", args=[held.pk, "pdf"]))

    name = f"{gettext('Weekly meeting minutes')}-{held.dealer.code}-{held.week_start:%Y%m%d}.pdf"
    disposition = response["Content-Disposition"]
    assert f"filename*=UTF-8''{escape_uri_path(name)}" in disposition
    assert f'filename="minutes-{held.dealer.code}-{held.week_start:%Y%m%d}.pdf"' in disposition


def test_it_does_not_log_the_download_as_personal_data(client, held, cr_manager_a):
    login(client, cr_manager_a)

    client.get(reverse("complaints:meeting_export", args=[held.pk, "xlsx"]))

    assert not PersonalDataAccess.objects.exists()


def test_it_refuses_an_unknown_format(client, held, cr_manager_a):
    login(client, cr_manager_a)

    assert (
        client.get(reverse("complaints:meeting_export", args=[held.pk, "doc"])).status_code == 404
    )
