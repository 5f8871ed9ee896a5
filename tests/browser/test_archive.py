"""An agent finds a customer by pinyin initials and opens the customer 360 in Chromium."""

import pytest

from tests.browser.conftest import log_in
from tests.factories import make_customer, make_vehicle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_finds_a_customer_by_pinyin_initials_and_opens_the_360(page, agent_a, dealer_a):
    zhang = make_customer(dealer_a, name="张三", mobile="13812345678")
    make_vehicle(zhang, plate="粤A12345")
    make_customer(dealer_a, name="张帅", mobile="13912345678")
    make_customer(dealer_a, name="李四")

    log_in(page, "agent_a")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "global-search"
    page.keyboard.type("zs")
    page.keyboard.press("Enter")

    rows = page.locator("#results tbody tr")
    rows.first.wait_for()
    assert rows.count() == 2
    assert "李四" not in page.inner_text("#results")
    page.get_by_role("link", name="张三").click()

    page.wait_for_url(f"**/customers/{zhang.pk}/")
    assert page.locator("h2.page-title").inner_text().startswith("张三")
    assert "138****5678" in page.inner_text("body")
    page.locator("#phone-mobile button").click()
    page.locator("#phone-mobile").get_by_text("138 1234 5678").wait_for()
    assert page.locator(".plate").first.inner_text() == "粤A12345"
