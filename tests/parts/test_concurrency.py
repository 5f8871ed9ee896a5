"""Stock never goes negative, even with two requisitions at the same moment.

Two threads, each with its own database connection (its own session), issue the last unit
of a part for two different repair orders. The row locks of parts.stock (SELECT … FOR UPDATE
on the part's stock levels) let exactly one of them win. SQLite has no row locks (it
serialises whole writing transactions), so these tests run on PostgreSQL only.
"""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from dcrc.customers.choices import VisitType
from dcrc.parts import requisitions
from dcrc.parts.choices import MovementKind
from dcrc.parts.models import StockLevel, StockMovement
from dcrc.service import orders
from dcrc.service.models import PartLine
from tests.factories import make_customer, make_part, make_vehicle, stock_put
from tests.parts.conftest import order_confirm

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (SELECT … FOR UPDATE) need PostgreSQL; SQLite serialises writers",
    ),
    pytest.mark.django_db(transaction=True),
]


def _two_confirmed_lines(dealer, advisor, part):
    lines = []
    for plate in ("粤A10001", "粤A10002"):
        car = make_vehicle(make_customer(dealer), plate=plate, mileage=0)
        order = orders.repair_order_open(
            vehicle=car,
            by=advisor,
            odometer=1000,
            customer_description="换机滤",
            visit_type=VisitType.PERIODIC_MAINTENANCE,
        )
        lines.append(order_confirm(order, advisor, part, quantity="1"))
    return lines


def _in_thread(target):
    """Run `target` in a thread with its own connection, closed at the end."""
    outcome = {}

    def run():
        try:
            outcome["result"] = target()
        except ValidationError as error:
            outcome["refused"] = error
        except Exception as error:  # noqa: BLE001 - reported by the test
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    return thread, outcome


def test_it_lets_exactly_one_of_two_simultaneous_requisitions_take_the_last_unit(
    dealer_a, warehouse_a, advisor_a, warehouse_keeper_a
):
    part = make_part(dealer_a, code="LAST-ONE")
    stock_put(part, warehouse_a, "1", warehouse_keeper_a)
    lines = _two_confirmed_lines(dealer_a, advisor_a, part)
    barrier = threading.Barrier(2)

    def issue(line):
        def target():
            barrier.wait(timeout=10)
            return requisitions.requisition_issue(
                line=line, quantity=Decimal("1"), by=warehouse_keeper_a
            )

        return target

    runs = [_in_thread(issue(line)) for line in lines]
    for thread, _ in runs:
        thread.start()
    for thread, _ in runs:
        thread.join(timeout=30)

    outcomes = [outcome for _, outcome in runs]
    assert not [o["error"] for o in outcomes if "error" in o]
    assert sum("result" in o for o in outcomes) == 1
    assert sum("refused" in o for o in outcomes) == 1
    assert StockLevel.objects.get(part=part).on_hand == Decimal("0")
    assert StockMovement.objects.filter(part=part, kind=MovementKind.ISSUE).count() == 1
    issued = sorted(
        PartLine.objects.filter(pk__in=[line.pk for line in lines]).values_list(
            "issued_quantity", flat=True
        )
    )
    assert issued == [Decimal("0"), Decimal("1")]


def test_it_makes_the_second_requisition_wait_for_the_first_to_commit(
    dealer_a, warehouse_a, advisor_a, warehouse_keeper_a
):
    part = make_part(dealer_a, code="LOCKED")
    stock_put(part, warehouse_a, "1", warehouse_keeper_a)
    first_line, second_line = _two_confirmed_lines(dealer_a, advisor_a, part)
    first_has_issued, second_started = threading.Event(), threading.Event()

    def first():
        with transaction.atomic():
            requisitions.requisition_issue(
                line=first_line, quantity=Decimal("1"), by=warehouse_keeper_a
            )
            first_has_issued.set()
            # Hold the row lock until the second session is queued behind it.
            second_started.wait(timeout=10)
            threading.Event().wait(0.5)

    def second():
        first_has_issued.wait(timeout=10)
        second_started.set()
        return requisitions.requisition_issue(
            line=second_line, quantity=Decimal("1"), by=warehouse_keeper_a
        )

    (t1, o1), (t2, o2) = _in_thread(first), _in_thread(second)
    t1.start()
    t2.start()
    t1.join(timeout=30)
    t2.join(timeout=30)

    assert "error" not in o1 and "error" not in o2, (o1, o2)
    assert "refused" not in o1
    assert "refused" in o2  # it read the stock only after the first had committed
    assert "quantity" in o2["refused"].message_dict
    assert StockLevel.objects.get(part=part).on_hand == Decimal("0")


def test_it_refuses_negative_stock_in_the_database_itself(
    dealer_a, warehouse_a, warehouse_keeper_a
):
    from django.db import IntegrityError

    part = make_part(dealer_a, code="CHECK")
    stock_put(part, warehouse_a, "1", warehouse_keeper_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(part=part).update(on_hand=Decimal("-1"))
