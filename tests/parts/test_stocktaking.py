"""Stocktaking: frozen expectations, counts, the variance report, posting, never negative."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dcrc.parts import requisitions, stocktaking
from dcrc.parts.choices import MovementKind, StocktakeState
from dcrc.parts.models import StockLevel, StockMovement, Stocktake
from tests.conftest import login
from tests.factories import make_part, stock_put


def level(part):
    return StockLevel.objects.get(part=part).on_hand


def test_it_freezes_what_the_books_expect_when_the_count_opens(
    oil_filter, engine_oil, warehouse_a, warehouse_keeper_a
):
    stocktake = stocktaking.stocktake_open(warehouse=warehouse_a, by=warehouse_keeper_a)
    stock_put(oil_filter, warehouse_a, "5", warehouse_keeper_a, bin="A-01-01")

    expected = dict(stocktake.lines.values_list("part__code", "expected"))
    assert expected == {oil_filter.code: Decimal("20"), engine_oil.code: Decimal("40")}
    assert stocktake.number.startswith("PD")
    with pytest.raises(ValidationError):
        stocktaking.stocktake_open(warehouse=warehouse_a, by=warehouse_keeper_a)


def test_it_posts_the_variance_onto_the_level_as_it_is_now(
    oil_filter, engine_oil, warehouse_a, warehouse_keeper_a
):
    stocktake = stocktaking.stocktake_open(warehouse=warehouse_a, by=warehouse_keeper_a)
    lines = {line.part_id: line for line in stocktake.lines.all()}
    stock_put(oil_filter, warehouse_a, "5", warehouse_keeper_a, bin="A-01-01")  # while counting
    stocktaking.stocktake_count(
        stocktake=stocktake,
        counts={lines[oil_filter.pk].pk: Decimal("18"), lines[engine_oil.pk].pk: Decimal("40")},
        by=warehouse_keeper_a,
    )

    stocktaking.stocktake_post(stocktake=stocktake, by=warehouse_keeper_a)

    assert level(oil_filter) == Decimal("23")  # 20 + 5 received − 2 short
    assert level(engine_oil) == Decimal("40")
    movement = StockMovement.objects.get(kind=MovementKind.STOCKTAKE)
    assert (movement.part_id, movement.quantity, movement.reference) == (
        oil_filter.pk,
        Decimal("-2"),
        stocktake.number,
    )
    stocktake.refresh_from_db()
    assert stocktake.state == StocktakeState.POSTED


def test_it_refuses_to_post_before_every_line_is_counted(
    oil_filter, engine_oil, warehouse_a, warehouse_keeper_a
):
    stocktake = stocktaking.stocktake_open(warehouse=warehouse_a, by=warehouse_keeper_a)
    first = stocktake.lines.first()
    stocktaking.stocktake_count(
        stocktake=stocktake, counts={first.pk: Decimal("1")}, by=warehouse_keeper_a
    )
    with pytest.raises(ValidationError) as refused:
        stocktaking.stocktake_post(stocktake=stocktake, by=warehouse_keeper_a)
    assert "counted" in refused.value.message_dict


def test_it_never_posts_a_bin_below_zero(
    dealer_a, order_a, advisor_a, warehouse_a, warehouse_keeper_a
):
    from tests.parts.conftest import order_confirm

    part = make_part(dealer_a, code="SHRINK")
    stock_put(part, warehouse_a, "3", warehouse_keeper_a)
    stocktake = stocktaking.stocktake_open(warehouse=warehouse_a, by=warehouse_keeper_a)
    line = stocktake.lines.get(part=part)
    # Counted 1 (2 short), but meanwhile all 3 went to a repair order.
    requisitions.requisition_issue(
        line=order_confirm(order_a, advisor_a, part, quantity="3"),
        quantity=Decimal("3"),
        by=warehouse_keeper_a,
    )
    stocktaking.stocktake_count(
        stocktake=stocktake, counts={line.pk: Decimal("1")}, by=warehouse_keeper_a
    )

    with pytest.raises(ValidationError) as refused:
        stocktaking.stocktake_post(stocktake=stocktake, by=warehouse_keeper_a)

    assert "SHRINK" in refused.value.message_dict["counted"][0]
    assert level(part) == Decimal("0")
    assert Stocktake.objects.get(pk=stocktake.pk).state == StocktakeState.COUNTING


def test_it_adds_a_part_found_where_the_books_had_none(
    dealer_a, oil_filter, warehouse_a, warehouse_keeper_a
):
    found = make_part(dealer_a, code="FOUND")
    stocktake = stocktaking.stocktake_open(warehouse=warehouse_a, by=warehouse_keeper_a)
    stocktaking.stocktake_line_add(
        stocktake=stocktake, part=found, bin="Z-9", counted=Decimal("4"), by=warehouse_keeper_a
    )
    stocktaking.stocktake_count(
        stocktake=stocktake,
        counts={stocktake.lines.get(part=oil_filter).pk: Decimal("20")},
        by=warehouse_keeper_a,
    )
    stocktaking.stocktake_post(stocktake=stocktake, by=warehouse_keeper_a)
    assert StockLevel.objects.get(part=found, bin="Z-9").on_hand == Decimal("4")


def test_it_counts_and_posts_through_the_pages(client, warehouse_keeper_a, oil_filter, warehouse_a):
    login(client, warehouse_keeper_a)
    response = client.post(reverse("parts:stocktake_open"), {"warehouse": warehouse_a.pk})
    stocktake = Stocktake.objects.get()
    assert response.status_code == 302
    line = stocktake.lines.get()
    url = reverse("parts:stocktake_count", args=[stocktake.pk])
    assert client.post(url, {f"counted_{line.pk}": "-3"}).status_code == 422
    assert client.post(url, {f"counted_{line.pk}": "abc"}).status_code == 422
    assert client.post(url, {f"counted_{line.pk}": "21"}).status_code == 302
    page = client.get(reverse("parts:stocktake", args=[stocktake.pk]), {"variance": "1"})
    assert "+1" in page.content.decode()
    assert page.context["summary"].variance_value == Decimal("40.00")
    assert client.post(reverse("parts:stocktake_post", args=[stocktake.pk])).status_code == 302
    assert level(oil_filter) == Decimal("21")
    assert client.get(reverse("parts:stocktakes")).status_code == 200


def test_it_keeps_a_count_from_an_advisor_and_another_dealer(
    client, advisor_a, warehouse_keeper_a, warehouse_a, oil_filter, dealer_b, advisor_b
):
    stocktake = stocktaking.stocktake_open(warehouse=warehouse_a, by=warehouse_keeper_a)
    login(client, advisor_a)
    assert client.post(reverse("parts:stocktake_post", args=[stocktake.pk])).status_code == 403
    from dcrc.core.choices import Role
    from tests.factories import UserFactory

    keeper_b = UserFactory(username="keeper_b", role=Role.WAREHOUSE_KEEPER, dealers=[dealer_b])
    login(client, keeper_b)
    assert client.get(reverse("parts:stocktake", args=[stocktake.pk])).status_code == 404
