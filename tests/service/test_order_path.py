"""The repair order's whole path, through the services, to release and the contact center."""

from decimal import Decimal

from dcrc.care.choices import TaskKind
from dcrc.care.models import ContactTask, VehiclePlan
from dcrc.service import orders
from dcrc.service.choices import OrderAction, OrderState


def test_it_releases_a_vehicle_into_history_callback_and_plan(
    order_a, oil_change, oil_filter, advisor_a, cashier_a
):
    orders.job_line_add(order=order_a, labour_item=oil_change, by=advisor_a)
    orders.part_line_add(order=order_a, part=oil_filter, quantity=Decimal("1"), by=advisor_a)
    orders.repair_order_estimate(order=order_a, by=advisor_a)
    order = orders.repair_order_confirm(order=order_a, by=advisor_a, signed_on_paper=True)
    assert order.state == OrderState.CONFIRMED
    for action in (
        OrderAction.DISPATCH,
        OrderAction.START,
        OrderAction.FINISH,
        OrderAction.QC_PASS,
        OrderAction.SETTLE,
    ):
        order = orders.order_step(orders.order_locked(order), action=action, by=advisor_a)

    order = orders.repair_order_release(order=order, by=advisor_a)

    assert order.state == OrderState.RELEASED
    assert order.total == Decimal("158.00")  # 0.5 h × 180 + 68
    visit = order.service_visit
    assert (visit.mileage, visit.amount, visit.repair_order_no) == (
        15200,
        order.total,
        order.number,
    )
    callback = ContactTask.objects.get(kind=TaskKind.SERVICE_CALLBACK, source_visit=visit)
    assert callback.customer_id == order.customer_id
    plan = VehiclePlan.objects.get(vehicle=order.vehicle)
    assert plan.last_maintenance_km == 15200
    assert plan.maintenance_due_date is not None
