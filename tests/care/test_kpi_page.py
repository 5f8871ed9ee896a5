"""The KPI page as people use it: who sees whose figures, filters, queries, Excel export."""

import io

import openpyxl
import pytest
from django.urls import reverse

from dcrc.core.choices import Role
from tests.care.kpi_data import build_march
from tests.factories import DealerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(care_a, agent_a, agent_a2):
    return build_march(care_a, agent_a, agent_a2)


MARCH = {"start": "2026-03-01", "end": "2026-03-31"}
URL = reverse("care:kpis")


def page(client, user, **params):
    client.force_login(user)
    response = client.get(URL, {**MARCH, **params})
    assert response.status_code == 200
    return response.context["report"]


def counts(ratio):
    return ratio.numerator, ratio.denominator


def test_it_is_closed_to_staff_without_the_permission(client, technician_a):
    client.force_login(technician_a)
    assert client.get(URL).status_code == 403
    assert client.get(reverse("care:kpis_export")).status_code == 403


def test_it_shows_an_agent_only_their_own_figures(client, march, agent_a, agent_a2):
    report = page(client, agent_a)
    assert counts(report.success) == (2, 2)
    assert [row.agent_id for row in report.agents] == [agent_a.pk]
    # Asking for a colleague changes nothing.
    report = page(client, agent_a, agent=agent_a2.pk)
    assert counts(report.success) == (2, 2)


def test_it_shows_a_manager_every_agent_and_one_on_request(
    client, march, cr_manager_a, agent_a, agent_a2
):
    report = page(client, cr_manager_a)
    assert counts(report.success) == (3, 4)
    assert {row.agent_id for row in report.agents} == {agent_a.pk, agent_a2.pk, None}
    report = page(client, cr_manager_a, agent=agent_a2.pk)
    assert counts(report.success) == (1, 2)


def test_it_rejects_an_agent_of_another_dealer(client, march, cr_manager_a, agent_b):
    client.force_login(cr_manager_a)
    response = client.get(URL, {**MARCH, "agent": agent_b.pk})
    assert response.status_code == 200
    assert "agent" in response.context["form"].errors
    assert counts(response.context["report"].success) == (3, 4)


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-03-31", "end": "2026-03-01"},
        {"start": "2026-13-01", "end": "2026-03-01"},
        {"start": "2026-03-01"},
        {"start": "2020-01-01", "end": "2026-03-01"},
        {"preset": "yesterday"},
        {"agent": "abc"},
    ],
)
def test_it_answers_bad_filters_with_field_errors(client, cr_manager_a, params):
    client.force_login(cr_manager_a)
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert b'id="kpi-filter-errors"' in response.content


def test_it_never_counts_another_dealers_work(client, march, care_b, agent_b, cr_manager_a):
    build_march(care_b, agent_b, agent_b)
    client.force_login(agent_b)
    report = page(client, agent_b)
    assert counts(report.success) == (3, 4)  # dealer B's own March: agent B owns it all
    report = page(client, cr_manager_a)
    assert counts(report.success) == (3, 4)
    assert agent_b.pk not in {row.agent_id for row in report.agents}


def test_it_adds_up_the_dealers_of_a_group_and_a_region(
    client, march, group, maker, agent_a, care_b, agent_b, group_manager, regional_manager
):
    sister = DealerFactory(code="A002", group=group, manufacturer=maker, region="华南")
    sister_agent = UserFactory(role=Role.DCRC_AGENT, dealers=[sister])
    build_march(sister, sister_agent, sister_agent)
    build_march(care_b, agent_b, agent_b)  # another group, another region
    for user in (group_manager, regional_manager):
        client.force_login(user)
        client.post(reverse("switch_dealer"), {"dealer": "all"})
        report = page(client, user)
        assert counts(report.success) == (6, 8)
        assert counts(report.coverage) == (8, 10)
        assert sister_agent.pk in {row.agent_id for row in report.agents}
        assert agent_b.pk not in {row.agent_id for row in report.agents}


def test_it_narrows_to_the_dealer_chosen_in_the_top_bar(client, march, group, group_manager):
    sister = DealerFactory(code="A002", group=group)
    sister_agent = UserFactory(role=Role.DCRC_AGENT, dealers=[sister])
    build_march(sister, sister_agent, sister_agent)
    client.force_login(group_manager)
    client.post(reverse("switch_dealer"), {"dealer": sister.pk})
    report = page(client, group_manager)
    assert counts(report.success) == (3, 4)
    assert {row.agent_id for row in report.agents} == {sister_agent.pk, None}


def test_it_builds_the_page_in_a_constant_number_of_queries(
    client, care_a, cr_manager_a, agent_a, agent_a2, django_assert_num_queries
):
    client.force_login(cr_manager_a)
    client.get(URL, MARCH)
    with django_assert_num_queries(10):  # no agent's name to look up
        client.get(URL, MARCH)
    build_march(care_a, agent_a, agent_a2)
    with django_assert_num_queries(11):
        response = client.get(URL, MARCH)
    assert b'data-testid="kpi-coverage-value"' in response.content
    assert b'id="kpi-charts"' in response.content


def test_it_exports_the_figures_to_excel(client, march, cr_manager_a, agent_a):
    client.force_login(cr_manager_a)
    response = client.get(reverse("care:kpis_export"), MARCH)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    figures = [row for row in book.worksheets[0].iter_rows(min_row=5, values_only=True)]
    assert figures[0][1:4] == (80, 4, 5)  # coverage
    assert figures[1][1:5] == (75, 3, 4, 80)  # success against its target
    assert figures[2][1:4] == (33.3, 1, 3)  # on time
    assert figures[3][1:4] == (33.3, 1, 3)  # 24-hour replies
    conversion = list(book.worksheets[3].iter_rows(min_row=2, values_only=True))
    assert (2, 1, 50, 1, 50) in [row[1:] for row in conversion]
    agents = {row[0]: row for row in book.worksheets[4].iter_rows(min_row=2, values_only=True)}
    assert agents[str(agent_a)][1:5] == (2, 4, 2, 2)
    trend = list(book.worksheets[5].iter_rows(min_row=2, values_only=True))
    assert len(trend) == 31 and trend[1][:3] == ("2026-03-02", 1, 1)


def test_it_exports_only_the_agents_own_figures(client, march, agent_a, agent_a2):
    client.force_login(agent_a)
    response = client.get(reverse("care:kpis_export"), {**MARCH, "agent": agent_a2.pk})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    names = [row[0] for row in book.worksheets[4].iter_rows(min_row=2, values_only=True)]
    assert names == [str(agent_a)]
