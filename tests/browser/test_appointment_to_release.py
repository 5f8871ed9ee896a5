"""The whole after-sales path in Chromium, each step by its own person: the advisor books,
receives, writes the lines and has them confirmed; the dispatcher dispatches, the warehouse
issues, the technician works, the inspector passes QC, the cashier takes the money, and the
advisor releases the car into its history, the callback list and the maintenance plan."""

# The after-sales fixtures are imported, which test parameters then name again.
# ruff: noqa: F811

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dcrc.care.choices import TaskKind
from dcrc.care.models import ContactTask, VehiclePlan
from dcrc.customers.choices import VisitType
from dcrc.customers.models import ServiceVisit
from dcrc.service.choices import JobState, OrderState, QcItem
from dcrc.service.models import Appointment, RepairOrder
from tests.browser.conftest import log_in
from tests.service.conftest import (  # noqa: F401 - fixtures
    car_a,
    oil_change,
    oil_filter,
    quick_bay,
    warehouse_a,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 10_000
NAVIGATION = 30_000


@pytest.fixture
def person(browser, live_server):
    """A fresh browser context per person, logged in through the login form."""
    contexts = []

    def open_as(username):
        context = browser.new_context(
            viewport={"width": 1400, "height": 900}, locale="zh-CN", base_url=live_server.url
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(WAIT)
        log_in(page, username)
        return page

    yield open_as
    for context in contexts:
        context.close()


def submit(page, selector):
    """Click a button that posts a whole page, and wait for the answer's DOM."""
    with page.expect_navigation(wait_until="domcontentloaded", timeout=NAVIGATION):
        page.click(selector)


def test_a_booked_car_goes_from_appointment_to_release(
    person,
    dealer_a,
    advisor_a,
    dispatcher_a,
    warehouse_keeper_a,
    technician_a,
    qc_a,
    cashier_a,
    car_a,
    oil_change,
    oil_filter,
    quick_bay,
):
    # 1. The advisor books tomorrow 10:00 for the car found by its plate.
    advisor = person("advisor_a")
    advisor.goto("/service/appointments/new/")
    advisor.click("#id_lookup")
    advisor.keyboard.type("A12345")
    pick = advisor.locator(f"[data-testid=pick-vehicle-{car_a.pk}]")
    expect(pick).to_be_checked(timeout=WAIT)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with advisor.expect_response(re.compile(r"/service/appointments/slots/")):
        advisor.fill("#slot-day", tomorrow.isoformat())
    slot = advisor.locator(f"input[name=scheduled_at][value='{tomorrow.isoformat()}T10:00']")
    expect(slot).to_be_enabled(timeout=WAIT)
    advisor.click("[data-testid=slot-1000]")
    expect(slot).to_be_checked()
    advisor.fill("#id_requested_work", "常规保养，更换机油机滤")
    advisor.select_option("#id_visit_type", VisitType.PERIODIC_MAINTENANCE)
    submit(advisor, "[data-testid=submit-booking]")
    appointment = Appointment.objects.get()
    assert re.search(rf"/service/appointments/{appointment.pk}/$", advisor.url)
    assert appointment.vehicle == car_a
    assert timezone.localtime(appointment.scheduled_at) == datetime.datetime.combine(
        tomorrow, datetime.time(10), tzinfo=timezone.get_current_timezone()
    )

    # 2. The car arrives: reception from the appointment, prefilled; the odometer is read.
    advisor.goto(f"/service/orders/new/?appointment={appointment.pk}")
    expect(advisor.locator("[data-testid=appointment]")).to_be_visible(timeout=WAIT)
    assert advisor.input_value("input[name=vehicle]") == str(car_a.pk)
    assert advisor.input_value("#id_customer_description") == "常规保养，更换机油机滤"
    advisor.fill("#id_odometer", "15200")
    submit(advisor, "[data-testid=open-order]")
    order = RepairOrder.objects.get()
    assert re.search(rf"/service/orders/{order.pk}/$", advisor.url)
    assert order.appointment_id == appointment.pk and order.odometer == 15200

    # 3. A job from the labour catalogue, a part from the parts catalogue, the estimate,
    # and the customer's signature on the printed estimate.
    advisor.click("#labour-q")
    advisor.keyboard.type("M001")
    advisor.keyboard.press("Enter")
    expect(advisor.locator("[data-testid=job-line]")).to_be_visible(timeout=WAIT)
    advisor.click("#part-q")
    advisor.keyboard.type("06L")
    add_part = advisor.locator("[data-testid=add-part-06L115562B]")
    expect(add_part).to_be_visible(timeout=WAIT)
    add_part.click()
    expect(advisor.locator("[data-testid=part-line]")).to_be_visible(timeout=WAIT)
    expect(advisor.locator("[data-testid=total]")).to_have_text(re.compile(r"¥158\.00"))
    submit(advisor, "[data-testid=step-estimate]")
    advisor.check("[data-testid=signed-on-paper]")
    submit(advisor, "[data-testid=confirm-submit]")
    expect(advisor.locator("[data-testid=confirmed]")).to_be_visible(timeout=WAIT)
    order.refresh_from_db()
    assert order.state == OrderState.CONFIRMED

    # 4. The dispatcher sends the job to the quick-service bay and its technician.
    dispatcher = person("dispatcher_a")
    dispatcher.goto(f"/service/workshop/orders/{order.pk}/")
    line = order.job_lines.get()
    row = dispatcher.locator(f"[data-testid=dispatch-row][data-line='{line.pk}']")
    expect(row).to_be_visible(timeout=WAIT)
    assert dispatcher.input_value(f"#id_line-{line.pk}-station") == str(quick_bay.pk)
    dispatcher.select_option(f"#id_line-{line.pk}-technician", str(technician_a.pk))
    submit(dispatcher, "[data-testid=dispatch-submit]")
    line.refresh_from_db()
    assert (line.state, line.technician_id) == (JobState.DISPATCHED, technician_a.pk)

    # 5. The warehouse keeper issues the filter from the requisition queue.
    keeper = person("warehouse_a")
    keeper.goto("/parts/requisitions/")
    queue_row = keeper.locator("[data-testid=queue-row]", has_text="06L115562B")
    expect(queue_row).to_be_visible(timeout=WAIT)
    with keeper.expect_navigation(wait_until="domcontentloaded", timeout=NAVIGATION):
        queue_row.locator("[data-testid=issue]").click()
    part_line = order.part_lines.get()
    part_line.refresh_from_db()
    assert part_line.issued_quantity == part_line.quantity

    # 6. The technician starts and finishes the job from the job cards.
    technician = person("tech_a")
    technician.goto("/service/workshop/my/")
    card = technician.locator(f"[data-testid=job-card][data-line='{line.pk}']")
    expect(card.locator("[data-testid=job-start]")).to_be_visible(timeout=WAIT)
    card.locator("[data-testid=job-start]").click()
    expect(card.locator("[data-testid=job-finish]")).to_be_visible(timeout=WAIT)
    card.locator("[data-testid=job-finish]").click()
    expect(card.locator("[data-testid=job-finish]")).to_have_count(0, timeout=WAIT)
    line.refresh_from_db()
    assert line.state == JobState.DONE

    # 7. The inspector ticks the whole final check list and passes the car.
    inspector = person("qc_a")
    inspector.goto(f"/service/workshop/orders/{order.pk}/qc/")
    expect(inspector.locator("#qc-form")).to_be_visible(timeout=WAIT)
    for item in QcItem.values:
        inspector.check(f"#qc-form input[name=checklist][value={item}]")
    inspector.click("#qc-form label[for=id_result_0]")
    assert inspector.is_checked("#qc-form input[name=result][value=pass]")
    submit(inspector, "[data-testid=qc-submit]")
    order.refresh_from_db()
    assert order.state == OrderState.READY

    # 8. The advisor pre-settles; the cashier takes the whole amount by WeChat Pay.
    advisor.goto(f"/service/orders/{order.pk}/")
    presettle = advisor.locator("#presettle-form")
    expect(presettle).to_be_visible(timeout=WAIT)
    presettle.locator("button[type=submit]").click()
    expect(presettle).to_have_count(0, timeout=WAIT)
    cashier = person("cashier_a")
    cashier.goto("/service/cashier/")
    cashier.click(f"a[href$='/service/settlement/{order.pk}/']")
    settle = cashier.locator("#settle-form")
    expect(settle).to_be_visible(timeout=WAIT)
    settle.locator("button[onclick*=\"'id_wechat'\"]").click()
    assert cashier.input_value("#id_wechat") == "158.00"
    cashier.fill("#id_wechat_reference", "4200001234202612030001")
    settle.locator("button[type=submit]").click()
    expect(cashier.locator("#settle-form")).to_have_count(0, timeout=WAIT)
    order.refresh_from_db()
    assert order.state == OrderState.SETTLED

    # 9. The advisor hands the car back.
    advisor.goto(f"/service/orders/{order.pk}/")
    submit(advisor, "[data-testid=step-release]")
    expect(advisor.locator("[data-testid=step-release]")).to_have_count(0, timeout=WAIT)

    order.refresh_from_db()
    assert order.state == OrderState.RELEASED
    visit = ServiceVisit.objects.get(vehicle=car_a)
    assert visit == order.service_visit
    assert (visit.mileage, visit.amount, visit.repair_order_no) == (
        15200,
        order.total,
        order.number,
    )
    callback = ContactTask.objects.get(kind=TaskKind.SERVICE_CALLBACK, source_visit=visit)
    assert callback.customer_id == car_a.owner_id
    plan = VehiclePlan.objects.get(vehicle=car_a)
    assert plan.last_maintenance_km == 15200
    assert plan.maintenance_due_date is not None
    assert plan.maintenance_due_km is not None and plan.maintenance_due_km > 15200
