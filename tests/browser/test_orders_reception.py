"""A service advisor receives a walk-in, writes the lines, and the customer signs on screen,
in Chromium."""

# The after-sales fixtures are imported, which test parameters then name again.
# ruff: noqa: F811

import re

import pytest

from dcrc.service.choices import OrderState
from dcrc.service.models import RepairOrder
from tests.browser.conftest import log_in
from tests.service.conftest import (  # noqa: F401 - fixtures
    car_a,
    oil_change,
    oil_filter,
    warehouse_a,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_receives_a_walk_in_and_takes_the_signature(
    page, advisor_a, car_a, oil_change, oil_filter
):
    log_in(page, "advisor_a")

    # Reception: the plate typed finds the car and picks it; its recorded mileage shows.
    page.goto("/service/orders/new/")
    assert page.evaluate("document.activeElement.id") == "id_lookup"
    page.keyboard.type("A12345")
    page.locator("[data-testid=vehicle-info]").wait_for()
    assert page.input_value("input[name=vehicle]") == str(car_a.pk)
    page.fill("#id_odometer", "15200")
    page.fill("#id_customer_description", "仪表提示保养")
    # Insurance fields appear only for insurance work.
    assert not page.is_visible("[data-testid=insurance]")
    page.click("label[for=id_business_type_2]")
    assert page.is_visible("[data-testid=insurance]")
    page.click("label[for=id_business_type_0]")
    with page.expect_navigation(wait_until="domcontentloaded", timeout=30_000):
        page.keyboard.press("Control+Enter")
    order = RepairOrder.objects.get()
    assert re.search(rf"/service/orders/{order.pk}/$", page.url)

    # Lines: the labour catalogue and the parts catalogue, searched and added with Enter.
    page.click("#labour-q")
    page.keyboard.type("M001")
    page.keyboard.press("Enter")
    page.locator("[data-testid=job-line]").wait_for()
    page.click("#part-q")
    page.keyboard.type("06L")
    page.locator("[data-testid=add-part-06L115562B]").wait_for()
    page.click("[data-testid=add-part-06L115562B]")
    page.locator("[data-testid=part-line]").wait_for()
    assert page.inner_text("[data-testid=total]").strip() == "¥158.00"

    # The estimate, then the customer signs on the screen.
    with page.expect_navigation(wait_until="domcontentloaded", timeout=30_000):
        page.click("[data-testid=step-estimate]")
    pad = page.locator("[data-testid=signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 15, box["y"] + 40 + (step % 3) * 15)
    page.mouse.up()
    with page.expect_navigation(wait_until="domcontentloaded", timeout=30_000):
        page.click("[data-testid=confirm-submit]")
    order.refresh_from_db()
    assert order.state == OrderState.CONFIRMED
    assert order.signature.startswith("data:image/png;base64,")
    page.locator("[data-testid=signature-image]").wait_for()
