"""The catalogue services and reservations for appointments."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dcrc.parts import catalogue, reservations, stock
from dcrc.parts.choices import ReservationState
from dcrc.service.choices import AppointmentState
from tests.factories import make_part, stock_put


def test_it_adds_a_part_with_its_code_in_capitals(dealer_a, warehouse_keeper_a):
    part = catalogue.part_create(
        dealer=dealer_a, by=warehouse_keeper_a, code=" 5q0698151 ", name="前刹车片", unit="套"
    )
    assert part.code == "5Q0698151"


def test_it_refuses_a_code_twice_per_dealer_but_not_across_dealers(
    dealer_a, dealer_b, warehouse_keeper_a, oil_filter
):
    with pytest.raises(ValidationError) as refused:
        catalogue.part_create(
            dealer=dealer_a, by=warehouse_keeper_a, code=oil_filter.code, name="x"
        )
    assert "code" in refused.value.message_dict
    assert catalogue.part_create(
        dealer=dealer_b, by=warehouse_keeper_a, code=oil_filter.code, name="x"
    )


def test_it_refuses_negative_prices_and_thresholds(oil_filter, warehouse_keeper_a):
    with pytest.raises(ValidationError) as refused:
        catalogue.part_update(
            part=oil_filter,
            by=warehouse_keeper_a,
            sale_price=Decimal("-1"),
            low_stock_threshold=Decimal("-2"),
            origin="fake",
        )
    assert set(refused.value.message_dict) == {"sale_price", "low_stock_threshold", "origin"}
    part = catalogue.part_update(
        part=oil_filter, by=warehouse_keeper_a, low_stock_threshold=Decimal("5")
    )
    assert part.low_stock_threshold == Decimal("5")


def test_it_reserves_for_a_booked_appointment_or_back_orders(
    appointment_a, oil_filter, dealer_a, warehouse_keeper_a
):
    reserved = reservations.appointment_part_reserve(
        appointment=appointment_a, part=oil_filter, quantity=Decimal("1"), by=warehouse_keeper_a
    )
    missing = make_part(dealer_a, code="NONE-LEFT")
    backordered = reservations.appointment_part_reserve(
        appointment=appointment_a,
        part=missing,
        quantity=Decimal("1"),
        by=warehouse_keeper_a,
        supplier_order_no="PO-1",
    )
    assert (reserved.state, backordered.state) == (
        ReservationState.RESERVED,
        ReservationState.BACKORDERED,
    )
    assert reserved.needed_by == appointment_a.scheduled_at
    assert stock.available(oil_filter, reserved.warehouse) == Decimal("19")
    assert list(reservations.backorders(dealer_ids=[dealer_a.pk])) == [backordered]


def test_it_reserves_nothing_for_a_cancelled_appointment(
    appointment_a, oil_filter, warehouse_keeper_a
):
    appointment_a.state = AppointmentState.CANCELLED
    appointment_a.save()
    with pytest.raises(ValidationError):
        reservations.appointment_part_reserve(
            appointment=appointment_a, part=oil_filter, quantity=Decimal("1"), by=warehouse_keeper_a
        )


def test_it_refuses_another_dealer_s_part(appointment_a, part_b, warehouse_keeper_a):
    with pytest.raises(ValidationError) as refused:
        reservations.appointment_part_reserve(
            appointment=appointment_a, part=part_b, quantity=Decimal("1"), by=warehouse_keeper_a
        )
    assert "part" in refused.value.message_dict


def test_it_gives_a_released_reservation_to_the_waiting_back_order(
    dealer_a, warehouse_a, warehouse_keeper_a, appointment_a, car_a, advisor_a
):
    from tests.parts.conftest import make_appointment

    scarce = make_part(dealer_a, code="ONE")
    stock_put(scarce, warehouse_a, "1", warehouse_keeper_a)
    first = reservations.appointment_part_reserve(
        appointment=appointment_a, part=scarce, quantity=Decimal("1"), by=warehouse_keeper_a
    )
    later = make_appointment(car_a, advisor_a, days=2, number="AP-2")
    waiting = reservations.appointment_part_reserve(
        appointment=later, part=scarce, quantity=Decimal("1"), by=warehouse_keeper_a
    )
    assert waiting.state == ReservationState.BACKORDERED

    stock.reservation_release(reservation=first, by=warehouse_keeper_a)

    waiting.refresh_from_db()
    assert waiting.state == ReservationState.RESERVED
    with pytest.raises(ValidationError):
        reservations.backorder_update(
            reservation=waiting, by=warehouse_keeper_a, supplier_order_no="x", expected_on=None
        )


def test_it_reads_the_appointment_panel(appointment_a, oil_filter, warehouse_keeper_a, advisor_a):
    reservations.appointment_part_reserve(
        appointment=appointment_a, part=oil_filter, quantity=Decimal("1"), by=warehouse_keeper_a
    )
    panel = reservations.appointment_panel(appointment=appointment_a, user=advisor_a)
    assert [r.part_id for r in panel["parts_reservations"]] == [oil_filter.pk]
    assert panel["parts_can_keep"] is False
    assert reservations.appointment_panel(appointment=appointment_a, user=warehouse_keeper_a)[
        "parts_can_keep"
    ]
    upcoming = reservations.upcoming_appointments(
        dealer_ids=[appointment_a.dealer_id], now=timezone.now()
    )
    assert list(upcoming) == [appointment_a]
