"""The repair order's money (hypothesis): whatever lines, discounts, fees and business type,
the totals equal the sum of the lines, are never negative, and the customer never pays more
than the total."""

from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dcrc.service import orders, pricing
from dcrc.service.choices import BusinessType
from dcrc.service.models import RepairOrder

quantities = st.decimals(min_value=0, max_value=500, places=2)
prices = st.decimals(min_value=0, max_value=20000, places=2)
discounts = st.decimals(min_value=0, max_value=100, places=2)
lines = st.lists(st.tuples(quantities, prices, discounts), max_size=30)
fees = st.lists(st.decimals(min_value=0, max_value=5000, places=2), min_size=5, max_size=5)


@given(
    jobs=lines,
    parts=lines,
    fees=fees,
    business_type=st.sampled_from(BusinessType.values),
    deductible=st.decimals(min_value=0, max_value=100000, places=2),
)
def test_it_keeps_totals_equal_to_the_sum_of_lines(jobs, parts, fees, business_type, deductible):
    job_money = [pricing.line_money(*line) for line in jobs]
    part_money = [pricing.line_money(*line) for line in parts]
    money = pricing.order_money(
        jobs=job_money,
        parts=part_money,
        fees=fees,
        business_type=business_type,
        deductible=deductible,
    )
    assert money.labour_amount == sum((line.amount for line in job_money), Decimal("0"))
    assert money.parts_amount == sum((line.amount for line in part_money), Decimal("0"))
    assert money.total == money.labour_amount + money.parts_amount + sum(fees, Decimal("0"))
    assert money.total >= 0
    assert money.discount >= 0
    assert 0 <= money.customer_payable <= money.total
    for line in (*job_money, *part_money):
        assert 0 <= line.amount <= line.gross
        assert line.amount == line.amount.quantize(pricing.FEN)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    jobs=st.lists(st.tuples(quantities, prices, discounts), min_size=1, max_size=6),
    parts=st.lists(
        st.tuples(st.decimals(min_value="0.01", max_value=50, places=2), discounts), max_size=4
    ),
    removed=st.integers(min_value=0, max_value=5),
)
def test_it_stores_totals_equal_to_the_stored_lines(
    order_a, advisor_a, oil_filter, jobs, parts, removed
):
    with transaction.atomic():
        for hours, rate, discount in jobs:
            orders.job_line_add(
                order=order_a,
                by=advisor_a,
                name="工时",
                work_type="maintenance",
                billed_hours=hours,
                rate=rate,
                discount_pct=discount,
            )
        for quantity, discount in parts:
            orders.part_line_add(
                order=order_a,
                part=oil_filter,
                quantity=quantity,
                discount_pct=discount,
                by=advisor_a,
            )
        for line in list(order_a.job_lines.all())[:removed]:
            orders.job_line_remove(line=line, by=advisor_a)
        order = RepairOrder.objects.get(pk=order_a.pk)
        job_sum = sum((line.amount for line in order.job_lines.all()), Decimal("0"))
        part_sum = sum((line.amount for line in order.part_lines.all()), Decimal("0"))
        assert order.labour_amount == job_sum
        assert order.parts_amount == part_sum
        assert order.total == job_sum + part_sum + order.fees
        assert order.total >= 0
        assert 0 <= order.customer_payable <= order.total
        transaction.set_rollback(True)
