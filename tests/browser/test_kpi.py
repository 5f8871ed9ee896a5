"""A manager reads the KPI charts; an agent pages through a customer's contact history."""

import pytest

from dcrc.care.defaults import care_defaults_ensure
from tests.browser.conftest import log_in
from tests.care.kpi_data import at, build_march
from tests.care.test_history import sms
from tests.factories import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_draws_the_kpi_charts(page, dealer_a, cr_manager_a, agent_a):
    care_defaults_ensure(dealer_id=dealer_a.pk)
    build_march(dealer_a, agent_a, agent_a)
    log_in(page, "crm_a")
    page.goto("/care/kpis/?start=2026-03-01&end=2026-03-31")
    page.locator("#chart-trend canvas").wait_for()
    page.locator("#chart-satisfaction canvas").wait_for()
    page.locator("#chart-failures canvas").wait_for()
    assert page.inner_text('[data-testid="kpi-coverage-count"]') == "4 / 5"
    page.locator("#kpi-filter a.btn").first.click()  # a preset
    page.wait_for_url("**/care/kpis/?preset=*")


def test_it_shows_more_of_the_contact_history(page, dealer_a, agent_a):
    customer = make_customer(dealer_a, name="张三")
    for day in range(1, 16):
        sms(customer, at(5, day))
    log_in(page, "agent_a")
    page.goto(f"/customers/{customer.pk}/")
    entries = page.locator('#contact-history [data-testid^="history-sms-"]')
    assert entries.count() == 10
    page.locator('[data-testid="history-more"]').click()
    page.wait_for_function(
        "document.querySelectorAll('#contact-history [data-testid^=\"history-sms-\"]').length == 15"
    )
    assert page.locator('[data-testid="history-more"]').count() == 0
