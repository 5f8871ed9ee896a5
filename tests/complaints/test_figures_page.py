"""The complaint figures page as people use it: who sees which scope, periods, queries, Excel."""

import io

import openpyxl
import pytest
from django.urls import reverse

from dcrc.complaints import choices
from dcrc.core.choices import Role
from tests.complaints.conftest import register
from tests.factories import DealerFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("complaints:figures")
EXPORT = reverse("complaints:figures_export")
NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}


@pytest.fixture
def november(care_a, cr_manager_a, customer_a):
    register(care_a, cr_manager_a, customer=customer_a)
    register(
        care_a,
        cr_manager_a,
        customer=customer_a,
        category=choices.Category.PRODUCT_QUALITY,
        severity=choices.Severity.CRITICAL,
        important_flags=[choices.ImportantFlag.SAFETY],
        contact_phone="13800138000",
    )


def page(client, user, all_dealers=False, **params):
    client.force_login(user)
    if all_dealers:
        client.post(reverse("switch_dealer"), {"dealer": "all"})
    response = client.get(URL, {**NOVEMBER, **params})
    assert response.status_code == 200
    return response


def test_it_is_closed_to_staff_without_the_permission(client, agent_a):
    client.force_login(agent_a)
    assert client.get(URL).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_it_shows_the_dealer_s_figures_and_charts(client, november, cr_manager_a):
    response = page(client, cr_manager_a)
    assert response.context["totals"].total == 2
    content = response.content.decode()
    assert 'data-testid="figure-total-value">2<' in content
    assert 'id="chart-category"' in content and 'id="figures-charts"' in content
    assert 'id="figures-dealers"' not in content  # one dealer: no per-dealer table


def test_it_defaults_to_this_month_and_accepts_presets(client, cr_manager_a, care_a):
    client.force_login(cr_manager_a)
    response = client.get(URL)
    period = response.context["period"]
    assert period.start.day == 1
    assert response.context["preset"] == "this_month"
    response = client.get(URL, {"preset": "this_year"})
    assert response.context["period"].start.month == 1


def test_it_shows_bad_dates_as_errors_not_500(client, cr_manager_a, care_a):
    response = page(client, cr_manager_a, start="2026-11-30", end="2026-11-01")
    assert "figures-filter-errors" in response.content.decode()
    response = page(client, cr_manager_a, start="garbage", preset="nonsense")
    assert response.context["form"].errors


@pytest.mark.parametrize("start,end", [("0001-01-01", "0001-01-05"), ("9999-12-25", "9999-12-31")])
def test_it_refuses_dates_out_of_range_on_the_page_and_the_export(
    client, cr_manager_a, care_a, start, end
):
    response = page(client, cr_manager_a, start=start, end=end)
    errors = response.context["form"].errors
    assert errors["start"] and errors["end"]
    assert "figures-filter-errors" in response.content.decode()
    response = client.get(reverse("complaints:figures_export"), {"start": start, "end": end})
    assert response.status_code == 200


def test_it_tabulates_each_dealer_of_a_group(client, november, group, maker, group_manager):
    sister = DealerFactory(code="A002", short_name="佛山店", manufacturer=maker, group=group)
    sister_crm = UserFactory(role=Role.CR_MANAGER, dealers=[sister])
    register(sister, sister_crm, contact_name="赵先生", contact_phone="13900000000")
    response = page(client, group_manager, all_dealers=True)
    rows = {row.name: row.counts.total for row in response.context["report"].dealers}
    assert rows == {"广州店": 2, "佛山店": 1}
    assert 'id="figures-dealers"' in response.content.decode()


def test_it_shows_the_manufacturer_its_escalations_only(client, november, manufacturer_crc):
    response = page(client, manufacturer_crc, all_dealers=True)
    assert response.context["totals"].total == 1
    assert 'id="escalated-only"' in response.content.decode()


def test_it_builds_the_page_in_a_constant_number_of_queries(
    client, care_a, cr_manager_a, customer_a, django_assert_num_queries
):
    client.force_login(cr_manager_a)
    client.get(URL, NOVEMBER)
    # session, user, dealers (middleware), seven of the figures
    with django_assert_num_queries(10):
        client.get(URL, NOVEMBER)
    for _n in range(5):
        register(care_a, cr_manager_a, customer=customer_a)
    with django_assert_num_queries(10):
        response = client.get(URL, NOVEMBER)
    assert response.context["totals"].total == 5


def test_it_exports_the_figures_without_personal_data(client, november, cr_manager_a):
    client.force_login(cr_manager_a)
    response = client.get(EXPORT, NOVEMBER)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(book.worksheets) == 7  # figures, 4 breakdowns, important reasons, dealers
    figures = list(book.worksheets[0].iter_rows(min_row=6, values_only=True))
    assert figures[0][1] == 2 and figures[1][1] == 1
    severity = {row[0]: row[1] for row in book.worksheets[2].iter_rows(min_row=2, values_only=True)}
    assert severity["重大"] == 1
    dealers = list(book.worksheets[6].iter_rows(min_row=2, values_only=True))
    assert dealers[0][:2] == ("广州店", 2) and dealers[-1][:2] == ("合计", 2)
    text = " ".join(
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    )
    assert "张伟" not in text and "13800138000" not in text and "异响" not in text
