"""The money of a repair order: line amounts, totals, what the customer pays.

Rounding rule (documented in docs/settlement.md): every amount a person sees is computed
from the exact inputs in one expression and rounded to the fen once, half up (四舍五入).
A line's amount is round(quantity × price × (100 − discount %) / 100); its discount is its
gross (round(quantity × price)) minus that amount, never rounded on its own. Totals are sums
of amounts already in fen, so they never round again and always equal the sum of the lines.
Fees and the settlement discount are entered in fen (two decimals, refused otherwise), so
total = labour + parts + fees − settlement discount is exact and never below zero.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .choices import BusinessType

FEN = Decimal("0.01")
HUNDRED = Decimal("100")
ZERO = Decimal("0")


def to_fen(value: Decimal) -> Decimal:
    """Round an exact amount to the fen, half up: the only rounding money ever gets."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineMoney:
    gross: Decimal
    amount: Decimal

    @property
    def discount(self) -> Decimal:
        return self.gross - self.amount


def line_money(quantity: Decimal, price: Decimal, discount_pct: Decimal) -> LineMoney:
    """A line's gross and net amount: hours × rate, or quantity × unit price, less discount."""
    if quantity < 0 or price < 0 or not ZERO <= discount_pct <= HUNDRED:
        raise ValueError("quantity, price and discount must be within range")
    gross = to_fen(quantity * price)
    amount = to_fen(quantity * price * (HUNDRED - discount_pct) / HUNDRED)
    return LineMoney(gross=gross, amount=amount)


@dataclass(frozen=True)
class OrderMoney:
    labour_gross: Decimal
    labour_amount: Decimal
    parts_gross: Decimal
    parts_amount: Decimal
    fees: Decimal
    total: Decimal
    customer_payable: Decimal
    settlement_discount: Decimal = ZERO

    @property
    def discount(self) -> Decimal:
        return self.labour_gross - self.labour_amount + self.parts_gross - self.parts_amount


def order_money(
    *,
    jobs: Iterable[LineMoney],
    parts: Iterable[LineMoney],
    fees: Iterable[Decimal],
    business_type: str,
    deductible: Decimal = ZERO,
    settlement_discount: Decimal = ZERO,
) -> OrderMoney:
    """Totals of an order from its lines' amounts (already in fen), its fees and the
    settlement discount (never more than lines and fees together).

    The customer pays the whole total on self-pay work; on insurance work the deductible
    (never more than the total), the insurer the rest; warranty and internal work are
    paid by the manufacturer or the dealer, not the customer.
    """
    jobs, parts, fees = list(jobs), list(parts), list(fees)
    if any(fee < 0 for fee in fees) or deductible < 0 or settlement_discount < 0:
        raise ValueError("fees, deductible and discount cannot be negative")
    if any(value != to_fen(value) for value in (*fees, settlement_discount)):
        raise ValueError("fees and discount are amounts in fen")
    labour_gross = sum((line.gross for line in jobs), ZERO)
    labour_amount = sum((line.amount for line in jobs), ZERO)
    parts_gross = sum((line.gross for line in parts), ZERO)
    parts_amount = sum((line.amount for line in parts), ZERO)
    fee_total = sum(fees, ZERO)
    if settlement_discount > labour_amount + parts_amount + fee_total:
        raise ValueError("the discount cannot exceed lines and fees")
    total = labour_amount + parts_amount + fee_total - settlement_discount
    if business_type == BusinessType.SELF_PAY:
        payable = total
    elif business_type == BusinessType.INSURANCE:
        payable = min(deductible, total)
    else:
        payable = ZERO
    return OrderMoney(
        labour_gross=labour_gross,
        labour_amount=labour_amount,
        parts_gross=parts_gross,
        parts_amount=parts_amount,
        fees=fee_total,
        total=total,
        customer_payable=payable,
        settlement_discount=settlement_discount,
    )
