"""The demo reception day: every state of the day's orders, through the services, once."""

from django.utils import timezone

from dcrc.care.choices import TaskKind
from dcrc.care.models import ContactTask
from dcrc.service.choices import OrderState
from dcrc.service.demo_catalogue import demo_catalogue_load
from dcrc.service.demo_orders import SCENARIOS, demo_orders_load
from dcrc.service.models import RepairOrder
from tests.factories import make_customer, make_vehicle


def test_it_loads_today_s_reception_once(
    dealer_a, advisor_a, warehouse_keeper_a, technician_a, service_manager_a
):
    users = {
        "advisor": advisor_a,
        "warehouse": warehouse_keeper_a,
        "tech": technician_a,
        "admin": service_manager_a,
    }
    demo_catalogue_load(dealer=dealer_a, users=users)
    for index in range(len(SCENARIOS)):
        make_vehicle(make_customer(dealer_a), mileage=10000 + index)
    now = timezone.now()

    demo_orders_load(dealer=dealer_a, users=users, now=now)
    demo_orders_load(dealer=dealer_a, users=users, now=now)

    states = list(RepairOrder.objects.values_list("state", flat=True))
    assert len(states) == len(SCENARIOS)
    for state in (
        OrderState.OPEN,
        OrderState.ESTIMATED,
        OrderState.CONFIRMED,
        OrderState.CANCELLED,
        OrderState.IN_WORK,
        OrderState.READY,
    ):
        assert state in states
    assert states.count(OrderState.RELEASED) == 2
    confirmed = RepairOrder.objects.filter(state=OrderState.CONFIRMED)
    assert confirmed.filter(signed_on_paper=True).exists()
    assert confirmed.exclude(signature="").exists()
    assert any(order.awaiting_confirmation for order in confirmed)
    assert ContactTask.objects.filter(kind=TaskKind.SERVICE_CALLBACK).count() == 2
    assert all(order.opened_at <= now for order in RepairOrder.objects.all())
    assert RepairOrder.objects.filter(business_type="insurance").exists()
