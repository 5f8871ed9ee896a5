"""The demo settlement day loads through the services and only once."""

import datetime

from django.utils import timezone

from dcrc.service.choices import OrderState
from dcrc.service.demo_catalogue import demo_catalogue_load
from dcrc.service.demo_settlement import demo_settlement_load
from dcrc.service.models import Payment, RepairOrder
from tests.factories import make_customer, make_vehicle


def test_it_loads_a_settlement_day_once(dealer_a, advisor_a, cashier_a, warehouse_keeper_a):
    users = {"advisor": advisor_a, "cashier": cashier_a, "warehouse": warehouse_keeper_a}
    demo_catalogue_load(dealer=dealer_a, users=users)
    for n in range(9):
        make_vehicle(make_customer(dealer_a, name=f"车主{n}"), plate=f"粤A6{n:04d}", mileage=20000)
    now = timezone.now().replace(hour=17) - datetime.timedelta(days=0)

    demo_settlement_load(dealer=dealer_a, users=users, now=now)
    demo_settlement_load(dealer=dealer_a, users=users, now=now)

    states = list(RepairOrder.objects.values_list("state", flat=True))
    assert len(states) == 8
    assert states.count(OrderState.READY) == 4
    assert states.count(OrderState.RELEASED) == 2 and states.count(OrderState.SETTLED) == 2
    assert RepairOrder.objects.filter(presettled_at__isnull=False, state="ready").count() == 2
    on_account = RepairOrder.objects.get(on_account_reason="车队客户月结")
    assert on_account.outstanding > 0
    assert Payment.objects.filter(order__invoice_no__gt="").count() >= 3
