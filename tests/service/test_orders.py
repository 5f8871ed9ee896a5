"""Reception and the repair order's state machine, through the services."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dcrc.customers.choices import VisitType
from dcrc.customers.models import MembershipLevel, MileageCorrection
from dcrc.customers.services import customer_update, service_visit_record
from dcrc.parts.choices import ReservationState
from dcrc.parts.stock import stock_issue, stock_reserve
from dcrc.service import orders
from dcrc.service.choices import BusinessType, OrderAction, OrderState
from dcrc.service.models import RepairOrder

ALL_STEPS = [
    OrderAction.ESTIMATE,
    OrderAction.CONFIRM,
    OrderAction.DISPATCH,
    OrderAction.START,
    OrderAction.FINISH,
    OrderAction.QC_PASS,
    OrderAction.QC_FAIL,
    OrderAction.REWORK_DONE,
    OrderAction.SETTLE,
    OrderAction.RELEASE,
    OrderAction.CANCEL,
]
# The one step allowed from each state (cancel aside), and where it leads.
PATH = {
    OrderState.OPEN: {OrderAction.ESTIMATE: OrderState.ESTIMATED},
    OrderState.ESTIMATED: {OrderAction.CONFIRM: OrderState.CONFIRMED},
    OrderState.CONFIRMED: {OrderAction.DISPATCH: OrderState.DISPATCHED},
    OrderState.DISPATCHED: {OrderAction.START: OrderState.IN_WORK},
    OrderState.IN_WORK: {OrderAction.FINISH: OrderState.QC},
    OrderState.QC: {OrderAction.QC_PASS: OrderState.READY, OrderAction.QC_FAIL: OrderState.REWORK},
    OrderState.REWORK: {OrderAction.REWORK_DONE: OrderState.QC},
    OrderState.READY: {OrderAction.SETTLE: OrderState.SETTLED},
    OrderState.SETTLED: {OrderAction.RELEASE: OrderState.RELEASED},
    OrderState.RELEASED: {},
    OrderState.CANCELLED: {},
}
CANCELLABLE = {OrderState.OPEN, OrderState.ESTIMATED, OrderState.CONFIRMED, OrderState.DISPATCHED}


def _in_state(order, state):
    RepairOrder.objects.filter(pk=order.pk).update(state=state)
    return RepairOrder.objects.get(pk=order.pk)


@pytest.mark.parametrize("state", list(PATH))
def test_it_allows_exactly_the_steps_of_each_state(order_a, advisor_a, state):
    order = _in_state(order_a, state)
    allowed = dict(PATH[state])
    if state in CANCELLABLE:
        allowed[OrderAction.CANCEL] = OrderState.CANCELLED
    assert set(orders.order_steps(order)) == set(allowed)
    for action in ALL_STEPS:
        order = _in_state(order_a, state)
        if action in allowed:
            moved = orders.order_step(orders.order_locked(order), action=action, by=advisor_a)
            assert moved.state == allowed[action]
            assert moved.events.last().action == action
        else:
            with pytest.raises(ValidationError) as refused:
                orders.order_step(orders.order_locked(order), action=action, by=advisor_a)
            assert "action" in refused.value.message_dict


def test_it_refuses_an_odometer_below_the_last_reading_without_a_reason(car_a, advisor_a):
    service_visit_record(
        vehicle=car_a,
        visit_date=datetime.date(2026, 5, 1),
        mileage=20000,
        visit_type=VisitType.PERIODIC_MAINTENANCE,
    )
    car_a.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        orders.repair_order_open(
            vehicle=car_a,
            by=advisor_a,
            odometer=19000,
            customer_description="异响",
            visit_type=VisitType.MINOR_REPAIR,
        )
    assert "odometer" in refused.value.message_dict

    order = orders.repair_order_open(
        vehicle=car_a,
        by=advisor_a,
        odometer=19000,
        customer_description="异响",
        visit_type=VisitType.MINOR_REPAIR,
        correction_reason="仪表更换，旧表读数作废",
    )

    assert order.odometer == 19000
    correction = MileageCorrection.objects.get(vehicle=car_a)
    assert (correction.old_mileage, correction.new_mileage) == (20000, 19000)


def test_it_accepts_the_same_reading_and_refuses_a_second_open_order(car_a, advisor_a, order_a):
    with pytest.raises(ValidationError) as refused:
        orders.repair_order_open(
            vehicle=car_a,
            by=advisor_a,
            odometer=order_a.odometer,
            customer_description="洗车",
            visit_type=VisitType.MINOR_REPAIR,
        )
    assert "vehicle" in refused.value.message_dict


def test_it_asks_for_the_insurance_fields_on_insurance_work(car_a, advisor_a):
    with pytest.raises(ValidationError) as refused:
        orders.repair_order_open(
            vehicle=car_a,
            by=advisor_a,
            odometer=100,
            customer_description="追尾，后杠受损",
            visit_type=VisitType.ACCIDENT,
            business_type=BusinessType.INSURANCE,
        )
    assert {"insurer", "insurance_report_no"} <= set(refused.value.message_dict)


def test_it_applies_membership_discounts_to_self_pay_work_only(
    dealer_a, car_a, advisor_a, oil_change, oil_filter
):
    gold = MembershipLevel.objects.create(
        dealer=dealer_a,
        number=3,
        name="金卡",
        labour_discount_pct=Decimal("20"),
        parts_discount_pct=Decimal("10"),
    )
    customer_update(customer=car_a.owner, membership_level=gold)
    car_a.refresh_from_db()
    order = orders.repair_order_open(
        vehicle=car_a,
        by=advisor_a,
        odometer=100,
        customer_description="保养",
        visit_type=VisitType.PERIODIC_MAINTENANCE,
    )
    orders.job_line_add(order=order, labour_item=oil_change, by=advisor_a)
    orders.part_line_add(order=order, part=oil_filter, quantity=Decimal("3"), by=advisor_a)
    order.refresh_from_db()

    assert order.labour_gross == Decimal("90.00")
    assert order.labour_amount == Decimal("72.00")  # 90 × 80 %
    assert order.parts_gross == Decimal("204.00")
    assert order.parts_amount == Decimal("183.60")  # 204 × 90 %
    assert order.total == order.customer_payable == Decimal("255.60")

    orders.repair_order_cancel(order=order, by=advisor_a, reason="客户改天再来")
    warranty = orders.repair_order_open(
        vehicle=car_a,
        by=advisor_a,
        odometer=100,
        customer_description="索赔",
        visit_type=VisitType.WARRANTY,
        business_type=BusinessType.WARRANTY,
    )
    line = orders.job_line_add(order=warranty, labour_item=oil_change, by=advisor_a)
    warranty.refresh_from_db()
    assert line.discount_pct == 0
    assert warranty.total == Decimal("90.00")
    assert warranty.customer_payable == 0


def test_it_needs_a_new_confirmation_after_lines_change(order_a, advisor_a, oil_change, brake_job):
    orders.job_line_add(order=order_a, labour_item=oil_change, by=advisor_a)
    with pytest.raises(ValidationError):
        orders.repair_order_confirm(order=order_a, by=advisor_a, signed_on_paper=True)
    orders.repair_order_estimate(order=order_a, by=advisor_a)
    with pytest.raises(ValidationError) as unsigned:
        orders.repair_order_confirm(order=order_a, by=advisor_a)
    assert "signature" in unsigned.value.message_dict
    order = orders.repair_order_confirm(
        order=order_a, by=advisor_a, signature="data:image/png;base64,iVBORw0KGgo="
    )
    assert not order.awaiting_confirmation

    orders.job_line_add(order=order, labour_item=brake_job, by=advisor_a)
    order.refresh_from_db()
    assert order.awaiting_confirmation
    assert order.events.last().action == OrderAction.CHANGE

    order = orders.repair_order_confirm(order=order, by=advisor_a, signed_on_paper=True)
    assert order.state == OrderState.CONFIRMED
    assert not order.awaiting_confirmation
    assert order.estimate_amount == Decimal("330.00")  # 90 + 1.2 h × 200


def test_it_refuses_a_signature_that_is_not_an_image(order_a, advisor_a, oil_change):
    orders.job_line_add(order=order_a, labour_item=oil_change, by=advisor_a)
    orders.repair_order_estimate(order=order_a, by=advisor_a)
    with pytest.raises(ValidationError) as refused:
        orders.repair_order_confirm(order=order_a, by=advisor_a, signature="<script>")
    assert "signature" in refused.value.message_dict


def test_it_cancels_with_a_reason_and_frees_the_reservations(
    order_a, advisor_a, oil_filter, warehouse_a, warehouse_keeper_a
):
    reservation = stock_reserve(
        part=oil_filter,
        warehouse=warehouse_a,
        quantity=Decimal("2"),
        order=order_a,
        by=warehouse_keeper_a,
    )
    with pytest.raises(ValidationError) as refused:
        orders.repair_order_cancel(order=order_a, by=advisor_a, reason=" ")
    assert "reason" in refused.value.message_dict

    order = orders.repair_order_cancel(order=order_a, by=advisor_a, reason="客户不修了")

    assert order.state == OrderState.CANCELLED
    reservation.refresh_from_db()
    assert reservation.state == ReservationState.RELEASED


def test_it_refuses_to_cancel_an_order_with_parts_issued(
    order_a, advisor_a, oil_filter, warehouse_keeper_a
):
    line = orders.part_line_add(order=order_a, part=oil_filter, quantity=Decimal("1"), by=advisor_a)
    stock_issue(line=line, quantity=Decimal("1"), by=warehouse_keeper_a)
    with pytest.raises(ValidationError):
        orders.repair_order_cancel(order=order_a, by=advisor_a, reason="客户不修了")
    with pytest.raises(ValidationError):
        orders.part_line_remove(line=line, by=advisor_a)


def test_it_refuses_line_changes_once_the_work_is_checked(order_a, advisor_a, oil_change):
    line = orders.job_line_add(order=order_a, labour_item=oil_change, by=advisor_a)
    order = _in_state(order_a, OrderState.READY)
    with pytest.raises(ValidationError) as refused:
        orders.job_line_change(line=line, billed_hours=Decimal("2"), by=advisor_a)
    assert "state" in refused.value.message_dict
    assert order.job_lines.get().billed_hours == Decimal("0.50")


@pytest.mark.parametrize(
    "field,value", [("billed_hours", Decimal("-1")), ("discount_pct", Decimal("101"))]
)
def test_it_answers_bad_line_numbers_per_field(order_a, advisor_a, oil_change, field, value):
    with pytest.raises(ValidationError) as refused:
        orders.job_line_add(order=order_a, labour_item=oil_change, by=advisor_a, **{field: value})
    assert field in refused.value.message_dict
