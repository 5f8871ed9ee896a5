"""Receiving, requisition, return, exchange and old parts, through the services."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dcrc.parts import requisitions, stock
from dcrc.parts.choices import MovementKind, OldPartDisposition, ReservationState
from dcrc.parts.models import StockLevel, StockMovement
from dcrc.service import orders
from tests.factories import make_part, stock_put
from tests.parts.conftest import order_confirm


def on_hand(part):
    return sum(level.on_hand for level in StockLevel.objects.filter(part=part))


def test_it_receives_into_the_part_s_shelf_with_the_delivery_note(
    dealer_a, warehouse_a, warehouse_keeper_a
):
    part = make_part(dealer_a, default_bin="C-03-02")
    movement = stock.stock_receive(
        part=part,
        warehouse=warehouse_a,
        quantity=Decimal("5"),
        by=warehouse_keeper_a,
        reference="DN-2026-118",
    )
    assert (movement.kind, movement.bin, movement.reference) == (
        "receive",
        "C-03-02",
        "DN-2026-118",
    )
    assert on_hand(part) == Decimal("5")


def test_it_refuses_a_quantity_of_zero_or_three_decimals(
    oil_filter, warehouse_a, warehouse_keeper_a
):
    for quantity in ("0", "-1", "1.005"):
        with pytest.raises(ValidationError) as refused:
            stock.stock_receive(
                part=oil_filter,
                warehouse=warehouse_a,
                quantity=Decimal(quantity),
                by=warehouse_keeper_a,
            )
        assert "quantity" in refused.value.message_dict


def test_it_issues_a_confirmed_line_and_uses_up_its_reservation(
    order_a, advisor_a, oil_filter, warehouse_a, warehouse_keeper_a
):
    reservation = stock.stock_reserve(
        part=oil_filter,
        warehouse=warehouse_a,
        quantity=Decimal("2"),
        order=order_a,
        by=warehouse_keeper_a,
    )
    line = order_confirm(order_a, advisor_a, oil_filter)

    requisitions.requisition_issue(line=line, quantity=Decimal("2"), by=warehouse_keeper_a)

    line.refresh_from_db()
    reservation.refresh_from_db()
    assert line.issued_quantity == Decimal("2")
    assert reservation.state == ReservationState.ISSUED
    assert on_hand(oil_filter) == Decimal("18")


def test_it_refuses_to_issue_before_the_customer_confirms(
    order_a, advisor_a, oil_filter, warehouse_keeper_a
):
    line = orders.part_line_add(order=order_a, part=oil_filter, quantity=Decimal("1"), by=advisor_a)
    with pytest.raises(ValidationError) as refused:
        requisitions.requisition_issue(line=line, quantity=Decimal("1"), by=warehouse_keeper_a)
    assert "quantity" in refused.value.message_dict
    assert on_hand(oil_filter) == Decimal("20")


def test_it_never_issues_more_than_is_on_the_shelf(
    dealer_a, order_a, advisor_a, warehouse_a, warehouse_keeper_a
):
    scarce = make_part(dealer_a, code="SCARCE")
    stock_put(scarce, warehouse_a, "1", warehouse_keeper_a)
    line = order_confirm(order_a, advisor_a, scarce, quantity="3")
    with pytest.raises(ValidationError) as refused:
        requisitions.requisition_issue(line=line, quantity=Decimal("2"), by=warehouse_keeper_a)
    assert "quantity" in refused.value.message_dict
    assert on_hand(scarce) == Decimal("1")
    assert not StockMovement.objects.filter(part=scarce, kind=MovementKind.ISSUE).exists()


def test_it_does_not_issue_stock_promised_to_another_appointment(
    dealer_a, order_a, advisor_a, warehouse_a, warehouse_keeper_a, appointment_a
):
    scarce = make_part(dealer_a, code="PROMISED")
    stock_put(scarce, warehouse_a, "1", warehouse_keeper_a)
    stock.stock_reserve(
        part=scarce,
        warehouse=warehouse_a,
        quantity=Decimal("1"),
        appointment=appointment_a,
        by=warehouse_keeper_a,
    )
    line = order_confirm(order_a, advisor_a, scarce, quantity="1")
    with pytest.raises(ValidationError):
        requisitions.requisition_issue(line=line, quantity=Decimal("1"), by=warehouse_keeper_a)


def test_it_refuses_to_issue_more_than_the_line_needs(confirmed_line, warehouse_keeper_a):
    with pytest.raises(ValidationError) as refused:
        requisitions.requisition_issue(
            line=confirmed_line, quantity=Decimal("3"), by=warehouse_keeper_a
        )
    assert "quantity" in refused.value.message_dict


def test_it_returns_unused_parts_with_a_reason(confirmed_line, oil_filter, warehouse_keeper_a):
    requisitions.requisition_issue(
        line=confirmed_line, quantity=Decimal("2"), by=warehouse_keeper_a
    )
    with pytest.raises(ValidationError) as refused:
        requisitions.requisition_return(
            line=confirmed_line, quantity=Decimal("1"), reason=" ", by=warehouse_keeper_a
        )
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError):
        requisitions.requisition_return(
            line=confirmed_line, quantity=Decimal("3"), reason="多领", by=warehouse_keeper_a
        )

    requisitions.requisition_return(
        line=confirmed_line, quantity=Decimal("1"), reason="多领", by=warehouse_keeper_a
    )

    confirmed_line.refresh_from_db()
    assert confirmed_line.issued_quantity == Decimal("1")
    assert on_hand(oil_filter) == Decimal("19")


def test_it_exchanges_a_faulty_part_for_another_of_the_same(
    confirmed_line, oil_filter, warehouse_keeper_a
):
    requisitions.requisition_issue(
        line=confirmed_line, quantity=Decimal("2"), by=warehouse_keeper_a
    )

    back, out = requisitions.requisition_exchange(
        line=confirmed_line, quantity=Decimal("1"), reason="新件密封圈破损", by=warehouse_keeper_a
    )

    assert (back.kind, back.quantity) == (MovementKind.EXCHANGE_IN, Decimal("1"))
    assert [(m.kind, m.quantity) for m in out] == [(MovementKind.EXCHANGE_OUT, Decimal("-1"))]
    confirmed_line.refresh_from_db()
    assert confirmed_line.issued_quantity == Decimal("2")
    assert on_hand(oil_filter) == Decimal("18")


def test_it_exchanges_a_wrong_part_for_the_right_line(
    order_a, advisor_a, oil_filter, engine_oil, warehouse_keeper_a
):
    wrong = orders.part_line_add(
        order=order_a, part=engine_oil, quantity=Decimal("1"), by=advisor_a
    )
    right = order_confirm(order_a, advisor_a, oil_filter, quantity="1")
    requisitions.requisition_issue(line=wrong, quantity=Decimal("1"), by=warehouse_keeper_a)

    requisitions.requisition_exchange(
        line=wrong, new_line=right, quantity=Decimal("1"), reason="领错件", by=warehouse_keeper_a
    )

    wrong.refresh_from_db()
    right.refresh_from_db()
    assert (wrong.issued_quantity, right.issued_quantity) == (Decimal("0"), Decimal("1"))
    assert on_hand(engine_oil) == Decimal("40")
    assert on_hand(oil_filter) == Decimal("19")


def test_it_fills_a_back_order_when_the_part_arrives(
    dealer_a, warehouse_a, warehouse_keeper_a, appointment_a
):
    missing = make_part(dealer_a, code="BO-1")
    reservation = stock.stock_reserve(
        part=missing,
        warehouse=warehouse_a,
        quantity=Decimal("2"),
        appointment=appointment_a,
        by=warehouse_keeper_a,
    )
    assert reservation.state == ReservationState.BACKORDERED

    stock_put(missing, warehouse_a, "2", warehouse_keeper_a)

    reservation.refresh_from_db()
    assert reservation.state == ReservationState.RESERVED


def test_it_records_old_parts_with_a_claim_for_the_manufacturer(confirmed_line, warehouse_keeper_a):
    order = confirmed_line.order
    with pytest.raises(ValidationError) as refused:
        requisitions.old_part_record(
            order=order,
            part_line=confirmed_line,
            description="",
            quantity=Decimal("1"),
            disposition=OldPartDisposition.TO_MANUFACTURER,
            by=warehouse_keeper_a,
        )
    assert "claim_no" in refused.value.message_dict

    old = requisitions.old_part_record(
        order=order,
        part_line=confirmed_line,
        description="",
        quantity=Decimal("2"),
        disposition=OldPartDisposition.TO_MANUFACTURER,
        claim_no="WC-778",
        by=warehouse_keeper_a,
    )
    assert old.description == f"{confirmed_line.code} {confirmed_line.name}"
    with pytest.raises(ValidationError) as refused:
        requisitions.old_part_record(
            order=order,
            part_line=confirmed_line,
            description="",
            quantity=Decimal("1"),
            disposition=OldPartDisposition.SCRAPPED,
            by=warehouse_keeper_a,
        )
    assert "quantity" in refused.value.message_dict


def test_it_records_no_old_parts_before_the_work_is_confirmed(order_a, warehouse_keeper_a):
    with pytest.raises(ValidationError) as refused:
        requisitions.old_part_record(
            order=order_a,
            description="旧刹车片",
            quantity=Decimal("1"),
            disposition=OldPartDisposition.TO_CUSTOMER,
            by=warehouse_keeper_a,
        )
    assert "order" in refused.value.message_dict
