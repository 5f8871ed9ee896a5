"""Hotline: an agent registers a call in seconds in Chromium: number first, the customer appears, reply."""

import pytest

from dcrc.care.choices import InboundState, InboundType
from dcrc.care.models import InboundCall
from tests.browser.conftest import log_in
from tests.factories import make_customer, make_vehicle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_registers_a_rescue_call_with_the_caller_found_by_number(page, agent_a, dealer_a):
    dealer_a.hotline = "400-888-1234"
    dealer_a.save()
    wang = make_customer(dealer_a, name="王磊", mobile="13812345678")
    vehicle = make_vehicle(wang, plate="粤A88888")

    log_in(page, "agent_a")
    page.click("#nav-hotline")
    page.click("#register-call")
    assert page.evaluate("document.activeElement.id") == "id_phone"
    page.keyboard.type("138 1234 5678")
    match = page.locator(f'[data-testid="match"][data-customer="{wang.pk}"]')
    match.wait_for()
    assert match.locator('input[name="customer"]').is_checked()
    assert match.locator(f'input[name="vehicle"][value="{vehicle.pk}"]').is_checked()

    rescue = page.locator("#rescue-banner")
    assert not rescue.is_visible()
    page.click("label[for=type-rescue]")
    assert rescue.is_visible() and "400-888-1234" in rescue.inner_text()
    page.fill("#id_content", "高速上爆胎，需要拖车")
    page.click("#save-call")

    call = InboundCall.objects.get()
    page.wait_for_url(f"**/care/calls/{call.pk}/")
    assert (call.customer, call.vehicle, call.call_type) == (wang, vehicle, InboundType.RESCUE)
    page.fill("#reply-form textarea", "已联系救援车，预计40分钟到达")
    page.click("#mark-replied")
    page.locator("#reply-form").wait_for(state="detached")
    call.refresh_from_db()
    assert call.state == InboundState.REPLIED and call.replied_by == agent_a
