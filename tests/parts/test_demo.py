"""The parts demo: a realistic warehouse day, loaded once."""

from django.utils import timezone

from dcrc.parts.choices import MovementKind, ReservationState, StocktakeState
from dcrc.parts.demo_parts import demo_parts_load
from dcrc.parts.models import OldPartReturn, Part, Reservation, StockMovement, Stocktake, Warehouse
from dcrc.parts.selectors import low_stock
from dcrc.service.demo_catalogue import demo_catalogue_load
from tests.factories import make_customer, make_vehicle


def test_it_loads_a_warehouse_day_once(dealer_a, warehouse_keeper_a, advisor_a):
    users = {"warehouse": warehouse_keeper_a, "advisor": advisor_a, "admin": warehouse_keeper_a}
    demo_catalogue_load(dealer=dealer_a, users=users)
    for plate in ("粤A11111", "粤A22222"):
        make_vehicle(make_customer(dealer_a), plate=plate, mileage=20000)

    demo_parts_load(dealer=dealer_a, users=users, now=timezone.now())
    movements = StockMovement.objects.filter(dealer=dealer_a).count()
    demo_parts_load(dealer=dealer_a, users=users, now=timezone.now())

    assert StockMovement.objects.filter(dealer=dealer_a).count() == movements
    assert StockMovement.objects.filter(dealer=dealer_a, kind=MovementKind.STOCKTAKE).count() == 2
    assert Stocktake.objects.get(dealer=dealer_a).state == StocktakeState.POSTED
    assert Reservation.objects.filter(dealer=dealer_a, state=ReservationState.BACKORDERED).exists()
    assert OldPartReturn.objects.filter(dealer=dealer_a).count() == 1
    main = Warehouse.objects.get(dealer=dealer_a, is_default=True)
    assert low_stock(warehouse=main).count() >= 3
    assert Part.objects.filter(dealer=dealer_a).count() == 20
