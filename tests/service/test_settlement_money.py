"""The arithmetic of a settlement: totals are the sum of the lines and fees less the discount,
never negative, rounded to the fen once (hypothesis)."""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dcrc.service import orders, pricing, settlement
from dcrc.service.choices import BusinessType, Fee

FEN = Decimal("0.01")


def fen(max_value: str):
    return st.decimals(min_value=Decimal(0), max_value=Decimal(max_value), places=2)


lines = st.lists(st.tuples(fen("999.99"), fen("9999.99"), fen("100")), max_size=30)
fees = st.lists(fen("5000"), min_size=5, max_size=5)


@settings(deadline=None)  # up to 60 lines: the first example is slow on a loaded machine
@given(jobs=lines, parts=lines, fees=fees, share=st.fractions(min_value=0, max_value=1))
def test_the_total_is_the_sum_of_lines_and_fees_less_the_discount(jobs, parts, fees, share):
    job_money = [pricing.line_money(q, p, d) for q, p, d in jobs]
    part_money = [pricing.line_money(q, p, d) for q, p, d in parts]
    subtotal = sum(m.amount for m in job_money + part_money) + sum(fees)
    discount = pricing.to_fen(subtotal * share.numerator / share.denominator)

    money = pricing.order_money(
        jobs=job_money,
        parts=part_money,
        fees=fees,
        business_type=BusinessType.SELF_PAY,
        settlement_discount=discount,
    )

    assert money.total == subtotal - discount >= 0
    assert money.labour_amount == sum((m.amount for m in job_money), Decimal(0))
    assert money.customer_payable == money.total
    # Every amount is in fen and each line was rounded once, from its exact value.
    for (quantity, price, pct), line in zip(jobs + parts, job_money + part_money, strict=True):
        exact = quantity * price * (100 - pct) / 100
        assert line.amount == line.amount.quantize(FEN)
        assert abs(line.amount - exact) <= Decimal("0.005")
        assert 0 <= line.amount <= line.gross
    assert money.total == money.total.quantize(FEN)


@settings(deadline=None)
@given(subtotal=fen("100000"), extra=st.integers(min_value=1, max_value=10_000))
def test_a_discount_above_lines_and_fees_is_refused(subtotal, extra):
    with pytest.raises(ValueError):
        pricing.order_money(
            jobs=[pricing.LineMoney(subtotal, subtotal)],
            parts=[],
            fees=[],
            business_type=BusinessType.SELF_PAY,
            settlement_discount=subtotal + extra * FEN,
        )


def test_a_fee_or_discount_finer_than_the_fen_is_refused():
    with pytest.raises(ValueError):
        pricing.order_money(jobs=[], parts=[], fees=[Decimal("0.001")], business_type="self_pay")


@pytest.mark.django_db
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    jobs=st.lists(st.tuples(fen("20"), fen("500"), fen("100")), min_size=1, max_size=4),
    fee_values=fees,
)
def test_the_stored_total_equals_the_stored_lines_and_fees(order_a, advisor_a, jobs, fee_values):
    with transaction.atomic():
        for hours, rate, pct in jobs:
            orders.job_line_add(
                order=order_a,
                by=advisor_a,
                name="钣金修复",
                work_type="sheet_metal",
                billed_hours=hours,
                rate=rate,
                discount_pct=pct,
            )
        order = settlement.settlement_fees_set(
            order=order_a, by=advisor_a, fees=dict(zip(Fee.values, fee_values, strict=True))
        )
        order.refresh_from_db()
        line_sum = sum(order.job_lines.values_list("amount", flat=True))
        assert order.total == line_sum + sum(fee_values) == order.labour_amount + order.fees
        assert order.total >= 0
        transaction.set_rollback(True)
