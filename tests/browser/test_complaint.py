"""A CR manager takes a complaint from intake to closure in Chromium."""

import re

import pytest
from django.utils import translation

from dcrc.care.choices import TaskState
from dcrc.care.defaults import care_defaults_ensure
from dcrc.complaints.choices import State
from dcrc.complaints.models import Complaint
from dcrc.core.choices import Role
from tests.browser.conftest import log_in
from tests.factories import UserFactory, make_customer, make_vehicle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def label(state: str) -> str:
    with translation.override("zh-hans"):
        return str(State(state).label)


def move(page, action: str, **fields: str) -> None:
    """Open a move's small form, fill what it needs, submit, wait for the page to come back."""
    page.click(f"[data-testid=action-{action}]")
    # Bootstrap's collapse has finished opening once it carries `show` without `collapsing`.
    page.locator(f"#move-{action}.collapse.show").wait_for()
    for name, value in fields.items():
        page.fill(f"#id_{action}_{name}", value)
    # A loaded CI machine may take a while to answer; the page is back once its DOM is.
    with page.expect_navigation(wait_until="domcontentloaded", timeout=30_000):
        page.click(f"[data-testid=submit-{action}]")


def test_it_takes_a_complaint_from_intake_to_closure(page, dealer_a):
    care_defaults_ensure(dealer_id=dealer_a.pk)
    UserFactory(username="crm_a", role=Role.CR_MANAGER, dealers=[dealer_a])
    customer = make_customer(dealer_a, name="张伟", mobile="13800138000")
    vehicle = make_vehicle(customer, plate="粤A12345")

    log_in(page, "crm_a")

    # Intake: the number typed finds the customer and the car; a few fields and it is in.
    page.goto("/complaints/new/")
    assert page.evaluate("document.activeElement.id") == "id_lookup"
    page.keyboard.type("13800138000")
    page.locator(f"[data-testid=match][data-customer='{customer.pk}']").wait_for()
    assert page.is_checked(f"[data-testid=pick-customer-{customer.pk}]")
    assert page.is_checked(f"input[name=vehicle][value='{vehicle.pk}']")
    page.select_option("#id_category", "repair_quality")
    page.select_option("#id_department", "workshop")
    page.select_option("#id_typical_case", "new_car_minor_fault")
    page.fill("#id_subject", "保养后发动机异响")
    page.fill("#id_description", "客户反映上周保养后发动机有异响，要求尽快解决。")
    page.fill("#id_customer_demand", "免费检修")
    with page.expect_navigation(wait_until="domcontentloaded", timeout=30_000):
        page.click("[data-testid=register]")
    complaint = Complaint.objects.get()
    assert re.search(rf"/complaints/{complaint.pk}/$", page.url)
    assert (complaint.customer, complaint.vehicle) == (customer, vehicle)
    assert page.inner_text("[data-testid=state]") == label(State.REGISTERED)
    # The complaint's own case comes first among the scripts.
    assert page.locator("#script-cases .accordion-item").first.get_attribute("data-testid") == (
        "script-new_car_minor_fault"
    )

    # Handling: acknowledge, investigate, propose, the customer accepts, resolve.
    move(page, "acknowledge", note="已致电客户致歉，约定今天到店检测")
    assert page.inner_text("[data-testid=state]") == label(State.ACKNOWLEDGED)
    move(page, "investigate")
    move(page, "propose", solution="免费更换发动机皮带并做全面检测")
    assert "免费更换发动机皮带" in page.inner_text("[data-testid=solution]")
    move(page, "accept", note="客户同意方案")
    move(page, "resolve", resolution="已更换皮带，试车异响消失")
    assert page.inner_text("[data-testid=state]") == label(State.RESOLVED)

    # The follow-up call is worked in the workbench: reached, satisfied.
    page.click("[data-testid=follow-up-link]")
    page.wait_for_url("**/care/tasks/*/")
    assert page.locator("[data-testid=complaint-link]").count() == 1
    page.click("[data-testid=outcome-reached]")
    page.click("[data-testid=satisfaction-satisfied]")
    page.fill("#id_notes", "客户表示满意")
    with page.expect_navigation(wait_until="domcontentloaded", timeout=30_000):
        page.click("[data-testid=save-attempt]")
    complaint.refresh_from_db()
    assert complaint.follow_up_task.state == TaskState.DONE
    assert complaint.state == State.FOLLOWED_UP

    # Closure with root cause and prevention.
    page.goto(complaint.get_absolute_url())
    assert page.inner_text("[data-testid=state]") == label(State.FOLLOWED_UP)
    move(
        page,
        "close",
        root_cause="保养时皮带张紧度未按标准调整",
        prevention="保养作业增加皮带张紧度检查项，质检签字确认",
    )
    assert page.inner_text("[data-testid=state]") == label(State.CLOSED)
    assert "皮带张紧度" in page.inner_text("[data-testid=root-cause]")
    assert page.locator("[data-testid=event]").count() == 8
    complaint.refresh_from_db()
    assert complaint.state == State.CLOSED and complaint.closed_at
