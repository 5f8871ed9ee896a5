"""CSI/SSI surveys: one month's results per dealer imported from XLSX or CSV, key items tracked
month by month with their improvement rate and gap to target, actions linked to items."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dcrc.complaints import surveys
from dcrc.complaints.choices import SurveyKind
from dcrc.complaints.models import SatisfactionSurvey, SurveyItem
from tests.complaints.improvement_data import (
    action,
    survey_import,
    survey_xlsx,
    upload,
)
from tests.conftest import login
from tests.factories import UserFactory

SEPTEMBER = datetime.date(2026, 9, 1)
OCTOBER = datetime.date(2026, 10, 1)
NOVEMBER = datetime.date(2026, 11, 1)


def rows(s01, s02, s03=Decimal("92")):
    return [
        ("overall", "总分", 88.6, "", ""),
        ("S01", "预约便利性", s01, 92, "是"),
        ("S02", "服务顾问接待", s02, 90, "Y"),
        ("S03", "休息区环境", s03, 90, "否"),
    ]


@pytest.fixture
def three_months(care_a, cr_manager_a):
    survey_import(care_a, cr_manager_a, rows(80, 85), month=SEPTEMBER)
    survey_import(care_a, cr_manager_a, rows(84, 85), month=OCTOBER)
    return survey_import(care_a, cr_manager_a, rows(88.2, 83.3), month=NOVEMBER).survey


def test_it_imports_a_months_items_with_the_overall_row(care_a, cr_manager_a):
    result = survey_import(care_a, cr_manager_a, rows(90.5, 87), month=datetime.date(2026, 11, 17))

    survey = result.survey
    assert (result.imported, result.errors) == (3, [])
    assert survey.month == NOVEMBER and survey.overall_score == Decimal("88.60")
    assert [(i.code, i.score, i.is_key) for i in survey.items.all()] == [
        ("S01", Decimal("90.50"), True),
        ("S02", Decimal("87.00"), True),
        ("S03", Decimal("92.00"), False),
    ]


def test_it_reports_every_bad_row_and_saves_nothing(care_a, cr_manager_a):
    with pytest.raises(ValidationError) as raised:
        survey_import(
            care_a,
            cr_manager_a,
            [
                ("S01", "预约便利性", 90, 92, "是"),
                ("", "无编码", 90, 92, "是"),
                ("S02", "服务顾问接待", "很好", 90, "是"),
                ("S03", "休息区环境", 91, 90, "也许"),
                ("S01", "重复", 80, 90, "否"),
                ("S04", "交车准时", 89, "", "N"),
            ],
            month=NOVEMBER,
        )

    messages = raised.value.message_dict["file"]
    assert [m.split("：")[0] for m in messages[1:]] == ["第 3 行", "第 4 行", "第 5 行", "第 6 行"]
    assert "S01" in messages[4]
    assert not SatisfactionSurvey.objects.exists() and not SurveyItem.objects.exists()


def test_it_keeps_the_existing_month_whole_when_a_reimport_has_a_bad_row(care_a, cr_manager_a):
    first = survey_import(care_a, cr_manager_a, rows(80, 85), month=NOVEMBER).survey

    with pytest.raises(ValidationError) as raised:
        survey_import(
            care_a,
            cr_manager_a,
            [("S01", "预约便利性", 83, 92, "是"), ("S02", "接待", "x", 90, "是")],
            month=NOVEMBER,
            replace=True,
        )

    assert "第 3 行" in raised.value.message_dict["file"][1]
    first.refresh_from_db()
    assert first.overall_score is not None
    assert sorted(first.items.values_list("code", "score")) == [
        ("S01", Decimal("80.00")),
        ("S02", Decimal("85.00")),
        ("S03", Decimal("92.00")),
    ]


def test_it_refuses_to_replace_a_month_without_the_confirmation(care_a, cr_manager_a):
    survey_import(care_a, cr_manager_a, rows(80, 85), month=NOVEMBER)

    with pytest.raises(ValidationError) as raised:
        survey_import(care_a, cr_manager_a, rows(90, 95), month=NOVEMBER)

    assert raised.value.message_dict["month"]
    assert SurveyItem.objects.get(code="S01").score == Decimal("80.00")


def test_it_keeps_the_overall_score_when_the_new_file_has_none(care_a, cr_manager_a):
    first = survey_import(care_a, cr_manager_a, rows(80, 85), month=NOVEMBER).survey
    overall = first.overall_score

    survey_import(
        care_a, cr_manager_a, [("S01", "预约便利性", 83, 92, "是")], month=NOVEMBER, replace=True
    )

    first.refresh_from_db()
    assert overall is not None and first.overall_score == overall


def test_it_replaces_the_month_on_a_second_import_and_keeps_actions_linked(
    care_a, cr_manager_a, service_manager_a
):
    first = survey_import(care_a, cr_manager_a, rows(80, 85), month=NOVEMBER).survey
    item = first.items.get(code="S01")
    linked = action(care_a, cr_manager_a, service_manager_a, survey_item=item)

    again = survey_import(
        care_a,
        cr_manager_a,
        [("S01", "预约便利性", 83, 92, "是"), ("S09", "新项目", 70, 80, "是")],
        month=NOVEMBER,
        replace=True,
    )

    assert SatisfactionSurvey.objects.count() == 1
    assert sorted(SurveyItem.objects.values_list("code", flat=True)) == ["S01", "S09"]
    assert again.removed == 2
    linked.refresh_from_db()
    assert linked.survey_item_id == item.pk
    assert SurveyItem.objects.get(code="S01").score == Decimal("83.00")


def test_it_reads_a_csv_in_gbk_and_an_overall_field(care_a, cr_manager_a):
    text = "item code,item,score,target,key item\nS01,预约便利性,91,92,1\nS02,接待,88,90,0\n"

    result = surveys.survey_import(
        dealer=care_a,
        kind=SurveyKind.SSI,
        month=NOVEMBER,
        upload=io.BytesIO(text.encode("gb18030")),
        filename="ssi.csv",
        by=cr_manager_a,
        overall_score=Decimal("89.5"),
    )

    assert result.survey.kind == SurveyKind.SSI
    assert result.survey.overall_score == Decimal("89.5")
    assert list(result.survey.items.filter(is_key=True).values_list("code", flat=True)) == ["S01"]


def test_it_refuses_a_file_without_the_columns(care_a, cr_manager_a):
    content = survey_xlsx([("S01", 90)], heading=("编号", "分"))

    with pytest.raises(ValidationError) as error:
        surveys.survey_import(
            dealer=care_a,
            kind="csi",
            month=NOVEMBER,
            upload=io.BytesIO(content),
            filename="x.xlsx",
            by=cr_manager_a,
        )
    assert "file" in error.value.message_dict


def test_it_tracks_key_items_with_improvement_rate_and_gap(three_months, care_a):
    months, trends = surveys.key_item_trends(
        dealer_id=care_a.pk, kind="csi", first=SEPTEMBER, last=NOVEMBER
    )

    assert months == [SEPTEMBER, OCTOBER, NOVEMBER]
    assert [t.code for t in trends] == ["S01", "S02"]  # S03 is no key item
    s01 = trends[0]
    assert s01.months[OCTOBER].rate == Decimal("5.0")  # (84 − 80) / 80
    assert s01.months[NOVEMBER].rate == Decimal("5.0")  # (88.2 − 84) / 84
    assert s01.months[SEPTEMBER].rate is None
    assert s01.rate_from_first == Decimal("10.3")  # (88.2 − 80) / 80
    assert s01.latest.gap == Decimal("-3.80")
    assert trends[1].months[NOVEMBER].rate == Decimal("-2.0")


def test_it_shows_the_key_items_page(client, three_months, cr_manager_a, django_assert_num_queries):
    login(client, cr_manager_a)

    with django_assert_num_queries(6):
        response = client.get(reverse("complaints:survey", args=[three_months.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="key-S01"' in body and "+10.3%" in body
    item = three_months.items.get(code="S01")
    assert f"?survey_item={item.pk}&department=service" in body


def test_it_lists_the_months_by_kind(client, three_months, cr_manager_a, django_assert_num_queries):
    login(client, cr_manager_a)

    with django_assert_num_queries(5):
        response = client.get(reverse("complaints:surveys"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "2026-11" in body and "2026-09" in body


def test_it_imports_through_the_form_and_shows_bad_rows(client, care_a, cr_manager_a):
    login(client, cr_manager_a)
    content = survey_xlsx([("S01", "预约便利性", 90, 92, "是"), ("S02", "接待", "x", 90, "是")])

    response = client.post(
        reverse("complaints:survey_import"),
        {"kind": "csi", "month": "2026-11", "file": upload(content)},
    )

    body = response.content.decode()
    assert response.status_code == 422
    assert "第 3 行" in body
    assert not SurveyItem.objects.exists()

    response = client.post(
        reverse("complaints:survey_import"),
        {"kind": "csi", "month": "2026-11", "file": upload(b"nonsense", "x.txt")},
    )
    assert response.status_code == 422


def test_it_asks_for_the_confirmation_to_replace_a_month_in_the_form(client, care_a, cr_manager_a):
    login(client, cr_manager_a)
    survey_import(care_a, cr_manager_a, rows(80, 85), month=NOVEMBER)
    content = survey_xlsx([("S01", "预约便利性", 90, 92, "是")])
    url = reverse("complaints:survey_import")

    response = client.post(url, {"kind": "csi", "month": "2026-11", "file": upload(content)})

    assert response.status_code == 422
    assert response.context["form"].errors["month"]
    assert SurveyItem.objects.count() == 3

    response = client.post(
        url, {"kind": "csi", "month": "2026-11", "file": upload(content), "replace": "on"}
    )

    assert response.status_code == 302
    assert list(SurveyItem.objects.values_list("code", flat=True)) == ["S01"]


def test_it_offers_a_sample_file_that_imports(client, care_a, cr_manager_a):
    login(client, cr_manager_a)

    response = client.get(reverse("complaints:survey_template"))
    result = surveys.survey_import(
        dealer=care_a,
        kind="csi",
        month=NOVEMBER,
        upload=io.BytesIO(response.content),
        filename="template.xlsx",
        by=cr_manager_a,
    )

    assert result.errors == [] and result.imported == 6
    assert result.survey.overall_score == Decimal("88.60")


def test_it_lets_the_group_manager_read_and_hides_other_dealers(
    client, three_months, group_manager, dealer_b
):
    login(client, group_manager)
    assert client.get(reverse("complaints:survey", args=[three_months.pk])).status_code == 200
    assert client.get(reverse("complaints:survey_import")).status_code == 403

    stranger = UserFactory(role="cr_manager", dealers=[dealer_b])
    login(client, stranger)
    assert client.get(reverse("complaints:survey", args=[three_months.pk])).status_code == 404
