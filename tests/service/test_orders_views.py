"""Reception and the repair order page: the forms, the lines, the customer's confirmation,
cancellation, release, permissions and tenancy."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dcrc.care.choices import TaskKind
from dcrc.care.models import ContactTask, VehiclePlan
from dcrc.customers.choices import VisitType
from dcrc.customers.models import MileageCorrection
from dcrc.customers.services import service_visit_record
from dcrc.service import orders
from dcrc.service.choices import BusinessType, OrderAction, OrderState
from dcrc.service.models import RepairOrder
from tests.conftest import login
from tests.factories import make_customer, make_labour_item, make_vehicle

SIGNATURE = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"


def _reception_data(car, **overrides):
    data = {
        "vehicle": car.pk,
        "odometer": "15200",
        "fuel_level": "50",
        "customer_description": "仪表提示保养",
        "visit_type": VisitType.PERIODIC_MAINTENANCE,
        "business_type": BusinessType.SELF_PAY,
        "contact_name": "张伟",
        "contact_phone": "13800138000",
        "payment_method": "wechat",
        "promised_at": "2030-05-01T17:00",
    }
    data.update(overrides)
    return data


def _open(client, car, **overrides):
    return client.post(reverse("service:reception"), _reception_data(car, **overrides))


@pytest.fixture
def visited_car(car_a):
    service_visit_record(
        vehicle=car_a,
        visit_date=datetime.date(2026, 5, 1),
        mileage=20000,
        visit_type=VisitType.PERIODIC_MAINTENANCE,
    )
    car_a.refresh_from_db()
    return car_a


# --- reception ------------------------------------------------------------------------------


def test_it_shows_the_reception_page_and_finds_the_car_as_typed(client, advisor_a, car_a):
    login(client, advisor_a)
    page = client.get(reverse("service:reception"))
    assert page.status_code == 200
    found = client.get(reverse("service:reception_lookup"), {"lookup": "A12345"})
    assert found.status_code == 200
    assert f'data-testid="pick-vehicle-{car_a.pk}"' in found.content.decode()
    assert "checked" in found.content.decode()  # the plate typed ticks its car


def test_it_shows_the_last_visit_and_mileage_of_the_picked_car(client, advisor_a, visited_car):
    login(client, advisor_a)
    info = client.get(reverse("service:reception_vehicle", args=[visited_car.pk])).content.decode()
    assert "2026-05-01" in info
    assert "20,000 km" in info or "20000 km" in info


def test_it_opens_a_walk_in_order(client, advisor_a, car_a):
    login(client, advisor_a)
    answer = _open(client, car_a)
    order = RepairOrder.objects.get(vehicle=car_a)
    assert answer.status_code == 302
    assert answer["Location"] == order.get_absolute_url()
    assert (order.odometer, order.fuel_level, order.contact_phone) == (15200, 50, "13800138000")
    assert order.advisor == advisor_a
    assert order.events.get().action == OrderAction.OPEN


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"vehicle": ""}, "vehicle"),
        ({"vehicle": "abc"}, "vehicle"),
        ({"vehicle": "999999"}, "vehicle"),
        ({"odometer": "-5"}, "odometer"),
        ({"odometer": "十万"}, "odometer"),
        ({"odometer": "99999999999"}, "odometer"),
        ({"fuel_level": "33"}, "fuel_level"),
        ({"customer_description": "  "}, "customer_description"),
        ({"visit_type": "joyride"}, "visit_type"),
        ({"business_type": "free"}, "business_type"),
        ({"promised_at": "tomorrow"}, "promised_at"),
        ({"promised_at": "0001-01-01T00:00"}, "promised_at"),
        ({"contact_phone": "call me"}, "contact_phone"),
        ({"payment_method": "gold"}, "payment_method"),
    ],
)
def test_it_answers_bad_reception_input_per_field(client, advisor_a, car_a, overrides, field):
    login(client, advisor_a)
    answer = _open(client, car_a, **overrides)
    assert answer.status_code == 422
    assert field in answer.context["form"].errors
    assert not RepairOrder.objects.exists()


def test_it_refuses_a_lower_odometer_without_the_correction_box(client, advisor_a, visited_car):
    login(client, advisor_a)
    answer = _open(client, visited_car, odometer="19000", correction_reason="换了仪表")
    assert answer.status_code == 422
    assert "odometer" in answer.context["form"].errors
    answer = _open(client, visited_car, odometer="19000", odometer_correction="on")
    assert "correction_reason" in answer.context["form"].errors
    assert not RepairOrder.objects.exists()

    answer = _open(
        client, visited_car, odometer="19000", odometer_correction="on", correction_reason="换仪表"
    )
    assert answer.status_code == 302
    assert MileageCorrection.objects.get(vehicle=visited_car).new_mileage == 19000


def test_it_asks_for_the_insurance_fields_only_when_insured(client, advisor_a, car_a):
    login(client, advisor_a)
    answer = _open(client, car_a, business_type=BusinessType.INSURANCE)
    assert answer.status_code == 422
    assert {"insurer", "insurance_report_no"} <= set(answer.context["form"].errors)
    answer = _open(client, car_a, business_type=BusinessType.INSURANCE, deductible="-1")
    assert "deductible" in answer.context["form"].errors

    answer = _open(
        client,
        car_a,
        business_type=BusinessType.INSURANCE,
        visit_type=VisitType.ACCIDENT,
        insurer="中国人保",
        paying_company="人保广州分公司",
        insurance_report_no="RDAA202605010001",
        loss_assessment="3500",
        deductible="500",
        towing="on",
    )
    assert answer.status_code == 302
    order = RepairOrder.objects.get()
    assert (order.insurer, order.deductible, order.towing) == ("中国人保", Decimal("500"), True)


def test_it_ignores_insurance_fields_on_self_pay_work(client, advisor_a, car_a):
    login(client, advisor_a)
    _open(client, car_a, insurer="中国人保", deductible="500")
    order = RepairOrder.objects.get()
    assert (order.insurer, order.deductible) == ("", Decimal("0"))


def test_it_refuses_a_second_open_order_with_a_field_error(client, advisor_a, order_a, car_a):
    login(client, advisor_a)
    answer = _open(client, car_a)
    assert answer.status_code == 422
    assert "vehicle" in answer.context["form"].errors


def test_it_refuses_another_dealer_s_vehicle(client, advisor_b, car_a):
    login(client, advisor_b)
    answer = _open(client, car_a)
    assert answer.status_code == 422
    assert "vehicle" in answer.context["form"].errors
    assert client.get(reverse("service:reception_vehicle", args=[car_a.pk])).status_code == 404


def test_it_opens_from_an_appointment_prefilled(client, advisor_a, car_a, dealer_a):
    from dcrc.service.choices import AppointmentSource, AppointmentState
    from dcrc.service.models import Appointment

    appointment = Appointment.objects.create(
        dealer=dealer_a,
        number="YY0001",
        customer=car_a.owner,
        vehicle=car_a,
        contact_name="张伟",
        contact_phone="13800138000",
        source=AppointmentSource.CUSTOMER,
        requested_work="更换刹车片",
        visit_type=VisitType.MINOR_REPAIR,
        scheduled_at=timezone.now(),
        accepted_by=advisor_a,
        accepted_at=timezone.now(),
    )
    login(client, advisor_a)
    page = client.get(reverse("service:reception"), {"appointment": appointment.pk})
    assert page.status_code == 200
    form = page.context["form"]
    assert form["customer_description"].value() == "更换刹车片"
    assert form["vehicle"].value() == car_a.pk
    answer = _open(
        client,
        car_a,
        appointment=appointment.pk,
        customer_description="更换刹车片",
        visit_type=VisitType.MINOR_REPAIR,
    )
    assert answer.status_code == 302
    order = RepairOrder.objects.get()
    assert order.appointment == appointment
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.ARRIVED


def test_it_answers_404_for_another_dealer_s_appointment(client, advisor_b, car_a, dealer_a):
    from dcrc.service.choices import AppointmentSource
    from dcrc.service.models import Appointment

    appointment = Appointment.objects.create(
        dealer=dealer_a,
        number="YY0002",
        customer=car_a.owner,
        vehicle=car_a,
        source=AppointmentSource.CUSTOMER,
        requested_work="保养",
        scheduled_at=timezone.now(),
        accepted_by=advisor_b,
        accepted_at=timezone.now(),
    )
    login(client, advisor_b)
    assert (
        client.get(reverse("service:reception"), {"appointment": appointment.pk}).status_code == 404
    )


# --- lines ---------------------------------------------------------------------------------


def test_it_adds_changes_and_removes_lines(
    client, advisor_a, order_a, oil_change, oil_filter, django_assert_max_num_queries
):
    login(client, advisor_a)
    add = reverse("service:order_job_add", args=[order_a.pk])
    answer = client.post(add, {"labour_item": oil_change.pk}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    assert "更换机油机滤" in answer.content.decode()
    line = order_a.job_lines.get()
    client.post(
        reverse("service:order_job_change", args=[order_a.pk, line.pk]),
        {"billed_hours": "1.00", "rate": "180", "discount_pct": "10"},
        HTTP_HX_REQUEST="true",
    )
    client.post(
        reverse("service:order_part_add", args=[order_a.pk]),
        {"part": oil_filter.pk, "quantity": "2"},
        HTTP_HX_REQUEST="true",
    )
    order_a.refresh_from_db()
    assert order_a.labour_amount == Decimal("162.00")
    assert order_a.parts_amount == Decimal("136.00")
    assert order_a.total == Decimal("298.00")

    part_line = order_a.part_lines.get()
    client.post(
        reverse("service:order_part_change", args=[order_a.pk, part_line.pk]),
        {"quantity": "1", "unit_price": "", "discount_pct": ""},
        HTTP_HX_REQUEST="true",
    )
    client.post(
        reverse("service:order_job_remove", args=[order_a.pk, line.pk]), HTTP_HX_REQUEST="true"
    )
    order_a.refresh_from_db()
    assert order_a.total == Decimal("68.00")
    client.post(reverse("service:order_part_remove", args=[order_a.pk, part_line.pk]))
    order_a.refresh_from_db()
    assert order_a.total == 0


def test_it_adds_work_not_in_the_catalogue(client, advisor_a, order_a):
    login(client, advisor_a)
    client.post(
        reverse("service:order_job_add", args=[order_a.pk]),
        {"name": "检查异响", "work_type": "mechanical", "billed_hours": "0.5", "rate": "200"},
        HTTP_HX_REQUEST="true",
    )
    assert order_a.job_lines.get().amount == Decimal("100.00")


@pytest.mark.parametrize(
    "data",
    [
        {"billed_hours": "-1"},
        {"billed_hours": "abc"},
        {"discount_pct": "150"},
        {"rate": "1.234"},
        {"rate": "1e400"},
    ],
)
def test_it_answers_bad_line_numbers_in_the_lines_block(
    client, advisor_a, order_a, oil_change, data
):
    line = orders.job_line_add(order=order_a, labour_item=oil_change, by=advisor_a)
    login(client, advisor_a)
    answer = client.post(
        reverse("service:order_job_change", args=[order_a.pk, line.pk]),
        data,
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200
    assert 'data-testid="line-error"' in answer.content.decode()
    line.refresh_from_db()
    assert line.amount == Decimal("90.00")


def test_it_refuses_lines_of_another_dealer_s_catalogue(client, advisor_a, order_a, dealer_b):
    foreign = make_labour_item(dealer_b, code="X1", name="外店项目")
    login(client, advisor_a)
    answer = client.post(
        reverse("service:order_job_add", args=[order_a.pk]),
        {"labour_item": foreign.pk},
        HTTP_HX_REQUEST="true",
    )
    assert 'data-testid="line-error"' in answer.content.decode()
    assert not order_a.job_lines.exists()
    answer = client.post(
        reverse("service:order_part_add", args=[order_a.pk]),
        {"part": "12345", "quantity": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert 'data-testid="line-error"' in answer.content.decode()


def test_it_searches_the_catalogues_with_stock(client, advisor_a, order_a, oil_change, oil_filter):
    login(client, advisor_a)
    labour = client.get(reverse("service:order_labour_search", args=[order_a.pk]), {"q": "机油"})
    assert "M001" in labour.content.decode()
    parts = client.get(reverse("service:order_part_search", args=[order_a.pk]), {"q": "06L"})
    assert "06L115562B" in parts.content.decode()
    assert parts.context["parts"][0].available == Decimal("20")


# --- estimate, confirmation, cancel, release -----------------------------------------------


def test_it_confirms_with_a_signature_drawn_on_screen(client, advisor_a, order_a, oil_change):
    orders.job_line_add(order=order_a, labour_item=oil_change, by=advisor_a)
    login(client, advisor_a)
    client.post(reverse("service:order_estimate", args=[order_a.pk]))
    order_a.refresh_from_db()
    assert order_a.state == OrderState.ESTIMATED
    page = client.get(order_a.get_absolute_url()).content.decode()
    assert 'data-testid="signature-pad"' in page

    client.post(reverse("service:order_confirm", args=[order_a.pk]), {"signature": SIGNATURE})
    order_a.refresh_from_db()
    assert order_a.state == OrderState.CONFIRMED
    assert order_a.signature == SIGNATURE
    assert not order_a.signed_on_paper
    assert (
        'data-testid="signature-image"' in client.get(order_a.get_absolute_url()).content.decode()
    )


def test_it_confirms_with_a_signed_printout(client, advisor_a, order_a, oil_change):
    orders.job_line_add(order=order_a, labour_item=oil_change, by=advisor_a)
    orders.repair_order_estimate(order=order_a, by=advisor_a)
    login(client, advisor_a)
    answer = client.post(reverse("service:order_confirm", args=[order_a.pk]), {})
    assert answer.status_code == 302
    order_a.refresh_from_db()
    assert order_a.state == OrderState.ESTIMATED  # neither signature nor printout: refused
    client.post(reverse("service:order_confirm", args=[order_a.pk]), {"signed_on_paper": "on"})
    order_a.refresh_from_db()
    assert (order_a.state, order_a.signed_on_paper) == (OrderState.CONFIRMED, True)


def test_it_refuses_a_signature_that_is_not_an_image(client, advisor_a, order_a, oil_change):
    orders.job_line_add(order=order_a, labour_item=oil_change, by=advisor_a)
    orders.repair_order_estimate(order=order_a, by=advisor_a)
    login(client, advisor_a)
    answer = client.post(
        reverse("service:order_confirm", args=[order_a.pk]),
        {"signature": "javascript:alert(1)"},
        follow=True,
    )
    assert answer.status_code == 200
    order_a.refresh_from_db()
    assert order_a.state == OrderState.ESTIMATED


def test_it_asks_for_a_new_confirmation_after_a_change(
    client, advisor_a, order_a, oil_change, brake_job
):
    orders.job_line_add(order=order_a, labour_item=oil_change, by=advisor_a)
    orders.repair_order_estimate(order=order_a, by=advisor_a)
    orders.repair_order_confirm(order=order_a, by=advisor_a, signed_on_paper=True)
    login(client, advisor_a)
    answer = client.post(
        reverse("service:order_job_add", args=[order_a.pk]),
        {"labour_item": brake_job.pk},
        HTTP_HX_REQUEST="true",
    )
    body = answer.content.decode()
    assert 'data-testid="reconfirm-needed"' in body  # out-of-band confirmation card
    assert 'data-testid="step-confirm"' in body
    page = client.get(order_a.get_absolute_url()).content.decode()
    assert 'data-testid="awaiting-confirmation"' in page

    client.post(reverse("service:order_confirm", args=[order_a.pk]), {"signature": SIGNATURE})
    order_a.refresh_from_db()
    assert not order_a.awaiting_confirmation
    assert order_a.state == OrderState.CONFIRMED
    assert order_a.events.filter(action=OrderAction.CHANGE).exists()


def test_it_cancels_with_a_reason(client, advisor_a, order_a):
    login(client, advisor_a)
    client.post(reverse("service:order_cancel", args=[order_a.pk]), {"reason": ""})
    order_a.refresh_from_db()
    assert order_a.state == OrderState.OPEN
    client.post(reverse("service:order_cancel", args=[order_a.pk]), {"reason": "客户改天再来"})
    order_a.refresh_from_db()
    assert (order_a.state, order_a.cancel_reason) == (OrderState.CANCELLED, "客户改天再来")
    assert "客户改天再来" in client.get(order_a.get_absolute_url()).content.decode()


def test_it_releases_into_visit_callback_and_plan(
    client, advisor_a, order_a, oil_change, oil_filter
):
    orders.job_line_add(order=order_a, labour_item=oil_change, by=advisor_a)
    orders.part_line_add(order=order_a, part=oil_filter, quantity=Decimal("1"), by=advisor_a)
    orders.repair_order_estimate(order=order_a, by=advisor_a)
    order = orders.repair_order_confirm(order=order_a, by=advisor_a, signed_on_paper=True)
    login(client, advisor_a)
    client.post(reverse("service:order_release", args=[order.pk]))
    order.refresh_from_db()
    assert order.state == OrderState.CONFIRMED  # not settled yet: refused, nothing recorded
    assert order.service_visit is None
    for action in (
        OrderAction.DISPATCH,
        OrderAction.START,
        OrderAction.FINISH,
        OrderAction.QC_PASS,
        OrderAction.SETTLE,
    ):
        order = orders.order_step(orders.order_locked(order), action=action, by=advisor_a)
    page = client.get(order.get_absolute_url()).content.decode()
    assert 'data-testid="step-release"' in page

    client.post(reverse("service:order_release", args=[order.pk]))
    order.refresh_from_db()
    assert order.state == OrderState.RELEASED
    assert order.service_visit.mileage == 15200
    assert ContactTask.objects.filter(
        kind=TaskKind.SERVICE_CALLBACK, source_visit=order.service_visit
    ).exists()
    assert VehiclePlan.objects.get(vehicle=order.vehicle).last_maintenance_km == 15200


# --- permissions and tenancy ---------------------------------------------------------------


@pytest.mark.parametrize("persona", ["technician_a", "cashier_a", "warehouse_keeper_a", "qc_a"])
def test_it_lets_other_roles_see_but_not_write(client, request, persona, order_a, oil_change):
    login(client, request.getfixturevalue(persona))
    assert client.get(order_a.get_absolute_url()).status_code == 200
    assert client.get(reverse("service:orders")).status_code == 200
    assert client.get(reverse("service:reception")).status_code == 403
    assert (
        client.post(
            reverse("service:order_job_add", args=[order_a.pk]), {"labour_item": oil_change.pk}
        ).status_code
        == 403
    )
    for name in ("order_estimate", "order_confirm", "order_cancel", "order_release"):
        assert client.post(reverse(f"service:{name}", args=[order_a.pk])).status_code == 403
    page = client.get(order_a.get_absolute_url()).content.decode()
    assert 'data-testid="step-' not in page
    assert "13800138000" not in page  # phone masked for the workshop


def test_it_lets_the_advisor_reveal_the_phone_logged(client, advisor_a, order_a):
    from dcrc.core.models import PersonalDataAccess

    login(client, advisor_a)
    page = client.get(order_a.get_absolute_url()).content.decode()
    assert "13800138000" not in page
    assert 'data-testid="reveal-phone"' in page
    revealed = client.post(reverse("customers:reveal", args=[order_a.customer_id, "mobile"]))
    assert "138" in revealed.content.decode()
    assert PersonalDataAccess.objects.filter(object_id=order_a.customer_id).exists()


def test_it_answers_403_to_roles_outside_after_sales(client, db, dealer_a, order_a):
    from dcrc.core.choices import Role
    from tests.factories import UserFactory

    sales = UserFactory(username="sales_a", role=Role.SALES_CONSULTANT, dealers=[dealer_a])
    login(client, sales)
    assert client.get(order_a.get_absolute_url()).status_code == 403
    assert client.get(reverse("service:advisor_board")).status_code == 403


def test_it_answers_404_for_another_dealer_s_order(client, advisor_b, order_a, oil_change):
    login(client, advisor_b)
    assert client.get(order_a.get_absolute_url()).status_code == 404
    for name in ("order_estimate", "order_cancel", "order_release", "order_job_add"):
        assert client.post(reverse(f"service:{name}", args=[order_a.pk])).status_code == 404
    line = orders.job_line_add(order=order_a, labour_item=oil_change, by=order_a.advisor)
    assert (
        client.post(reverse("service:order_job_remove", args=[order_a.pk, line.pk])).status_code
        == 404
    )
    assert order_a.job_lines.exists()


# --- list, desk, query counts --------------------------------------------------------------


def _orders(dealer, advisor, count):
    made = []
    for index in range(count):
        owner = make_customer(dealer)
        car = make_vehicle(owner)
        made.append(
            orders.repair_order_open(
                vehicle=car,
                by=advisor,
                odometer=1000 + index,
                customer_description="保养",
                visit_type=VisitType.PERIODIC_MAINTENANCE,
                promised_at=timezone.now() + datetime.timedelta(hours=index - 2, minutes=30),
            )
        )
    return made


def test_it_lists_and_filters_orders_in_constant_queries(
    client, advisor_a, dealer_a, advisor_b, dealer_b, django_assert_num_queries
):
    made = _orders(dealer_a, advisor_a, 3)
    _orders(dealer_b, advisor_b, 1)
    orders.repair_order_cancel(order=made[0], by=advisor_a, reason="不修了")
    login(client, advisor_a)
    url = reverse("service:orders")
    client.get(url)  # warm the session and the dealer middleware
    with django_assert_num_queries(6):
        page = client.get(url)
    assert len(page.context["page"].object_list) == 3
    _orders(dealer_a, advisor_a, 4)
    with django_assert_num_queries(6):
        page = client.get(url)
    assert len(page.context["page"].object_list) == 7

    assert len(client.get(url, {"state": "cancelled"}).context["page"].object_list) == 1
    assert len(client.get(url, {"state": "in_shop"}).context["page"].object_list) == 6
    assert len(client.get(url, {"q": made[1].number}).context["page"].object_list) == 1
    plate = made[2].vehicle.plate
    assert len(client.get(url, {"q": plate[-5:]}).context["page"].object_list) == 1
    assert (
        client.get(url, {"from": "yesterday", "advisor": "x", "state": "bogus"}).status_code == 200
    )
    rows = client.get(url, HTTP_HX_REQUEST="true")
    assert "<html" not in rows.content.decode()


def test_it_paginates_the_list(client, advisor_a, dealer_a):
    _orders(dealer_a, advisor_a, 27)
    login(client, advisor_a)
    first = client.get(reverse("service:orders"))
    assert len(first.context["page"].object_list) == 25
    second = client.get(reverse("service:orders"), {"page": "2"})
    assert len(second.context["page"].object_list) == 2
    assert client.get(reverse("service:orders"), {"page": "x"}).status_code == 200


def test_it_shows_the_order_page_in_constant_queries(
    client, advisor_a, order_a, oil_change, brake_job, oil_filter, django_assert_max_num_queries
):
    orders.job_line_add(order=order_a, labour_item=oil_change, by=advisor_a)
    login(client, advisor_a)
    client.get(order_a.get_absolute_url())
    # The order and its lines (8), then the workshop's, warehouse's and cashier's panels.
    with django_assert_max_num_queries(14) as few:
        client.get(order_a.get_absolute_url())
    orders.job_line_add(order=order_a, labour_item=brake_job, by=advisor_a)
    orders.part_line_add(order=order_a, part=oil_filter, quantity=Decimal("1"), by=advisor_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(order_a.get_absolute_url())


def test_it_shows_the_advisor_desk_in_constant_queries(
    client, advisor_a, dealer_a, django_assert_num_queries
):
    made = _orders(dealer_a, advisor_a, 3)
    login(client, advisor_a)
    url = reverse("service:advisor_board")
    client.get(url)
    with django_assert_num_queries(6):
        page = client.get(url)
    board = page.context["board"]
    assert len(board.in_shop) == 3
    assert board.late_count == 2  # promised two and one hours ago
    assert 'data-testid="shop-row-late"' in page.content.decode()
    _orders(dealer_a, advisor_a, 3)
    with django_assert_num_queries(6):
        page = client.get(url)
    # A car through QC shows as ready for delivery.
    order = made[0]
    orders.job_line_add(
        order=order,
        by=advisor_a,
        name="检查",
        work_type="maintenance",
        billed_hours=Decimal("1"),
        rate=Decimal("100"),
    )
    orders.repair_order_estimate(order=order, by=advisor_a)
    order = orders.repair_order_confirm(order=order, by=advisor_a, signed_on_paper=True)
    for action in (
        OrderAction.DISPATCH,
        OrderAction.START,
        OrderAction.FINISH,
        OrderAction.QC_PASS,
    ):
        order = orders.order_step(orders.order_locked(order), action=action, by=advisor_a)
    board = client.get(url).context["board"]
    assert [o.pk for o in board.ready] == [order.pk]
    assert client.get(url, {"mine": "1"}, HTTP_HX_REQUEST="true").status_code == 200


def test_it_corrects_the_reception_details(client, advisor_a, order_a, technician_a):
    login(client, advisor_a)
    url = reverse("service:order_edit", args=[order_a.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["customer_description"].value() == order_a.customer_description
    data = {
        "fuel_level": "75",
        "customer_description": "保养，另查空调异味",
        "visit_type": VisitType.PERIODIC_MAINTENANCE,
        "business_type": BusinessType.INSURANCE,
    }
    answer = client.post(url, data)
    assert answer.status_code == 422
    assert "insurer" in answer.context["form"].errors
    data.update(business_type=BusinessType.SELF_PAY, promised_at="bad")
    assert "promised_at" in client.post(url, data).context["form"].errors
    data["promised_at"] = "2030-05-01T18:30"
    assert client.post(url, data).status_code == 302
    order_a.refresh_from_db()
    assert (order_a.fuel_level, order_a.customer_description) == (75, "保养，另查空调异味")
    assert timezone.localtime(order_a.promised_at).hour == 18
    login(client, technician_a)
    assert client.get(url).status_code == 403


def test_it_lists_today_s_appointments_on_the_desk_with_reception(
    client, advisor_a, car_a, dealer_a, dealer_b, advisor_b
):
    from dcrc.service.choices import AppointmentSource
    from dcrc.service.models import Appointment

    def book(dealer, vehicle, number, when):
        return Appointment.objects.create(
            dealer=dealer,
            number=number,
            customer=vehicle.owner,
            vehicle=vehicle,
            source=AppointmentSource.CUSTOMER,
            requested_work="保养",
            scheduled_at=when,
            accepted_by=advisor_a,
            accepted_at=timezone.now(),
        )

    today = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    mine = book(dealer_a, car_a, "YY0101", today)
    book(dealer_a, make_vehicle(make_customer(dealer_a)), "YY0102", today + datetime.timedelta(1))
    book(dealer_b, make_vehicle(make_customer(dealer_b)), "YY0103", today)
    login(client, advisor_a)
    page = client.get(reverse("service:advisor_board"))
    assert [a.pk for a in page.context["board"].appointments] == [mine.pk]
    assert f"?appointment={mine.pk}" in page.content.decode()


def test_it_answers_ids_beyond_the_database_s_integers_without_a_server_error(
    client, advisor_a, order_a, car_a
):
    login(client, advisor_a)
    huge = "9" * 25
    assert _open(client, car_a, vehicle=huge).status_code == 422
    assert client.get(f"/service/orders/{huge}/").status_code == 404
    assert client.get(f"/service/orders/new/vehicle/{huge}/").status_code == 404
    assert client.post(f"/service/orders/{order_a.pk}/jobs/{huge}/remove/").status_code == 404
    answer = client.post(
        reverse("service:order_job_add", args=[order_a.pk]),
        {"labour_item": huge},
        HTTP_HX_REQUEST="true",
    )
    assert 'data-testid="line-error"' in answer.content.decode()
    answer = client.post(
        reverse("service:order_part_add", args=[order_a.pk]),
        {"part": huge, "quantity": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert 'data-testid="line-error"' in answer.content.decode()
