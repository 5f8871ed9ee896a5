"""Settlement (domain §8): fees, pre-settlement by the advisor, settlement by the cashier,
payments split across methods, the invoice; printouts live in service.settlement_print.

The path of the money, on a repair order that is ready for delivery (待交车):
1. The service advisor pre-settles (预结算, `repair_order_presettle`): fees (管理费, 材料费,
   外包费, 救援费, 其他费用) and, when granted, a settlement discount with its reason on top of the
   membership discounts already on the lines. The order then waits in the cashier's queue.
2. The cashier settles (收银结算, `repair_order_settle`): payments split across cash, bank card,
   Alipay and WeChat Pay, never more than what is outstanding; what stays unpaid goes on
   account (挂账) with a reason; the invoice number. The order is settled and can be released.
3. An on-account balance is paid later with `payment_record`.

Any change of the money after pre-settlement undoes it (`presettlement_undo`, which reception
and the warehouse call too): the advisor pre-settles again and the cashier never settles
figures the advisor did not see. Amounts are exact Decimals in fen; the one rounding rule is
service.pricing's.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dcrc.core.models import Dealer, User

from . import pricing
from .choices import IN_SHOP_STATES, Fee, OrderAction, OrderState, PaymentMethod
from .models import Payment, RepairOrder
from .orders import _refuse, order_event, order_locked, order_money_refresh, order_step

FEE_FIELDS: tuple[str, ...] = tuple(Fee.values)
# Fees may be written from reception (a rescue fee is known when the tow truck arrives)
# until the cashier settles.
FEE_STATES = tuple(state for state in IN_SHOP_STATES if state != OrderState.SETTLED)
PAID_STATES = (OrderState.SETTLED, OrderState.RELEASED)
MAX_AMOUNT = Decimal("99999999.99")
PAGE_LIMIT = 200


def _now(at: datetime.datetime | None) -> datetime.datetime:
    return at or timezone.now()


def _amount_error(value: Decimal | None, *, positive: bool = False) -> str | None:
    """What is wrong with an amount of money someone typed, or None."""
    if value is None:
        return None
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT:
        return _("Enter an amount from 0 up.")
    if positive and value == 0:
        return _("Enter an amount above zero.")
    if value != pricing.to_fen(value):
        return _("At most two decimals (fen).")
    return None


def is_presettled(order: RepairOrder) -> bool:
    """Pre-settled by the advisor and waiting for the cashier."""
    return order.state == OrderState.READY and order.presettled_at is not None


# --- fees and the settlement discount -----------------------------------------------------


@transaction.atomic
def settlement_fees_set(
    *,
    order: RepairOrder,
    by: User,
    fees: Mapping[str, Decimal | None] | None = None,
    discount: Decimal | None = None,
    discount_reason: str | None = None,
    at: datetime.datetime | None = None,
) -> RepairOrder:
    """Write the order's fees and its settlement discount; the totals follow.

    fees: {Fee value (the RepairOrder field): amount}; a fee not given stays as it is.
    The discount is granted when the work is ready (the lines no longer change) and needs a
    reason. A change undoes a pre-settlement.
    """
    order = order_locked(order)
    fees = dict(fees or {})
    unknown = set(fees) - set(FEE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fees: {sorted(unknown)}")
    if order.state not in FEE_STATES:
        raise ValidationError(
            {
                "state": [
                    _("The money of a repair order that is “%(state)s” is no longer changed.")
                    % {"state": order.get_state_display()}
                ]
            }
        )
    errors: dict[str, list[str]] = {}
    for field, value in fees.items():
        if message := _amount_error(value):
            errors[field] = [message]
    new_fees = {
        field: (fees[field] if fees.get(field) is not None else getattr(order, field))
        for field in FEE_FIELDS
    }
    discount = order.settlement_discount if discount is None else discount
    reason = (
        order.settlement_discount_reason if discount_reason is None else discount_reason.strip()
    )
    if message := _amount_error(discount):
        errors["settlement_discount"] = [message]
    elif discount != order.settlement_discount and order.state != OrderState.READY:
        errors["settlement_discount"] = [
            _("A settlement discount is granted at pre-settlement, once the work is ready.")
        ]
    elif discount > 0 and not reason:
        errors["settlement_discount_reason"] = [_("Say why the discount is granted.")]
    elif discount > order.labour_amount + order.parts_amount + sum(new_fees.values(), Decimal(0)):
        errors["settlement_discount"] = [
            _("The discount cannot be more than labour, parts and fees together.")
        ]
    if errors:
        raise ValidationError(errors)
    if discount == 0:
        reason = ""
    changed = [field for field in FEE_FIELDS if getattr(order, field) != new_fees[field]] + (
        ["settlement_discount"] if discount != order.settlement_discount else []
    )
    if not changed and reason == order.settlement_discount_reason:
        return order
    for field, value in new_fees.items():
        setattr(order, field, value)
    order.settlement_discount, order.settlement_discount_reason = discount, reason[:200]
    order.save()
    order_money_refresh(order)
    if changed:
        note = _("Fees and discount changed; total %(total)s") % {"total": order.total}
        order_event(order, action=OrderAction.CHANGE, by=by, at=_now(at), note=note)
        if order.presettled_at is not None:
            presettlement_undo(order=order, by=by, reason=note, at=at)
    return order


# --- pre-settlement -------------------------------------------------------------------------


@transaction.atomic
def repair_order_presettle(
    *,
    order: RepairOrder,
    by: User,
    fees: Mapping[str, Decimal | None] | None = None,
    discount: Decimal | None = None,
    discount_reason: str | None = None,
    at: datetime.datetime | None = None,
) -> RepairOrder:
    """The advisor's pre-settlement (预结算) of a ready order, with its fees and discount;
    the order then waits in the cashier's queue."""
    now = _now(at)
    order = order_locked(order)
    if order.state != OrderState.READY:
        raise ValidationError(
            {
                "action": [
                    _(
                        "Pre-settlement is made when the vehicle is ready for delivery; "
                        "the repair order is “%(state)s”."
                    )
                    % {"state": order.get_state_display()}
                ]
            }
        )
    if order.presettled_at is not None:
        raise ValidationError({"action": [_("The repair order is already pre-settled.")]})
    if order.awaiting_confirmation:
        raise ValidationError(
            {"action": [_("The customer has not confirmed the latest changes of the lines.")]}
        )
    if fees or discount is not None or discount_reason is not None:
        order = settlement_fees_set(
            order=order, by=by, fees=fees, discount=discount, discount_reason=discount_reason
        )
    order.presettled_at, order.presettled_by = now, by
    order.save(update_fields=["presettled_at", "presettled_by", "updated_at"])
    order_event(
        order,
        action=OrderAction.PRESETTLE,
        by=by,
        at=now,
        note=_("Payable by the customer %(payable)s") % {"payable": order.customer_payable},
    )
    return order


@transaction.atomic
def presettlement_undo(
    *, order: RepairOrder, by: User, reason: str, at: datetime.datetime | None = None
) -> RepairOrder:
    """Take a pre-settled order out of the cashier's queue because its money changed.

    Reception (changed business type or deductible) and the warehouse (a part returned)
    call it too: it does nothing on an order that is not pre-settled, and refuses on one
    already settled.
    """
    order = order_locked(order)
    if order.state in PAID_STATES:
        raise ValidationError({"action": [_("A settled repair order is not pre-settled again.")]})
    if order.presettled_at is None:
        return order
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the pre-settlement is undone.")]})
    order.presettled_at, order.presettled_by = None, None
    order.save(update_fields=["presettled_at", "presettled_by", "updated_at"])
    order_event(
        order,
        action=OrderAction.PRESETTLE,
        by=by,
        at=_now(at),
        note=_("Pre-settlement undone: %(reason)s") % {"reason": reason},
    )
    return order


# --- settlement by the cashier ----------------------------------------------------------------


def _payment_errors(
    payments: Mapping[str, Decimal | None], outstanding: Decimal
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for method, amount in payments.items():
        if message := _amount_error(amount):
            errors[method] = [message]
    if errors:
        return errors
    received = sum((amount or Decimal(0) for amount in payments.values()), Decimal(0))
    if received > outstanding:
        last = [method for method, amount in payments.items() if amount][-1]
        errors[last] = [
            _("The payments add up to %(received)s, more than the %(outstanding)s outstanding.")
            % {"received": received, "outstanding": outstanding}
        ]
    return errors


@transaction.atomic
def repair_order_settle(
    *,
    order: RepairOrder,
    by: User,
    payments: Mapping[str, Decimal | None] | None = None,
    references: Mapping[str, str] | None = None,
    invoice_no: str = "",
    on_account_reason: str = "",
    at: datetime.datetime | None = None,
) -> RepairOrder:
    """The cashier's settlement (收银结算) of a pre-settled order.

    payments: {PaymentMethod value: amount}, split across methods as the customer pays;
    together never more than what is outstanding. What stays unpaid goes on account and
    needs `on_account_reason`. The settled order can be released to the customer.
    """
    now = _now(at)
    order = order_locked(order)
    payments = {method: amount for method, amount in (payments or {}).items() if amount}
    references = references or {}
    unknown = (set(payments) | set(references)) - set(PaymentMethod.values)
    if unknown:
        raise TypeError(f"unknown payment methods: {sorted(unknown)}")
    if order.state != OrderState.READY:
        raise _refuse(order, OrderAction.SETTLE)
    if order.presettled_at is None:
        raise ValidationError(
            {"action": [_("The service advisor pre-settles the repair order first.")]}
        )
    errors = _payment_errors(payments, order.outstanding)
    invoice_no = invoice_no.strip()
    if len(invoice_no) > 40:
        errors["invoice_no"] = [_("At most 40 characters.")]
    if errors:
        raise ValidationError(errors)
    received = sum(payments.values(), Decimal(0))
    unpaid = order.outstanding - received
    on_account_reason = on_account_reason.strip() if unpaid else ""
    if unpaid and not on_account_reason:
        raise ValidationError(
            {
                "on_account_reason": [
                    _("%(unpaid)s stays unpaid: say why it goes on account, or take the payment.")
                    % {"unpaid": unpaid}
                ]
            }
        )
    Payment.objects.bulk_create(
        Payment(
            dealer_id=order.dealer_id,
            order=order,
            method=method,
            amount=amount,
            reference=references.get(method, "").strip()[:60],
            by=by,
            at=now,
        )
        for method, amount in payments.items()
    )
    note = "、".join(f"{PaymentMethod(m).label} {a}" for m, a in payments.items())
    if unpaid:
        note = "；".join(filter(None, [note, _("on account %(unpaid)s") % {"unpaid": unpaid}]))
    return order_step(
        order,
        action=OrderAction.SETTLE,
        by=by,
        at=now,
        note=note,
        update_fields={
            "paid": order.paid + received,
            "settled_at": now,
            "settled_by": by,
            "invoice_no": invoice_no,
            "on_account_reason": on_account_reason[:200],
        },
    )


@transaction.atomic
def payment_record(
    *,
    order: RepairOrder,
    method: str,
    amount: Decimal,
    by: User,
    reference: str = "",
    at: datetime.datetime | None = None,
) -> Payment:
    """A payment towards the on-account balance of a settled order."""
    order = order_locked(order)
    if method not in PaymentMethod.values:
        raise ValidationError({"method": [_("Choose how the customer pays.")]})
    if order.state not in PAID_STATES or order.outstanding <= 0:
        raise ValidationError({"amount": [_("Nothing is outstanding on this repair order.")]})
    if message := _amount_error(amount, positive=True):
        raise ValidationError({"amount": [message]})
    if amount > order.outstanding:
        raise ValidationError(
            {
                "amount": [
                    _("%(amount)s is more than the %(outstanding)s outstanding.")
                    % {"amount": amount, "outstanding": order.outstanding}
                ]
            }
        )
    payment = Payment.objects.create(
        dealer_id=order.dealer_id,
        order=order,
        method=method,
        amount=amount,
        reference=reference.strip()[:60],
        by=by,
        at=_now(at),
    )
    order.paid += amount
    order.save(update_fields=["paid", "updated_at"])
    return payment


@transaction.atomic
def invoice_no_set(*, order: RepairOrder, by: User, invoice_no: str) -> RepairOrder:
    """The invoice number of a settled order, when the invoice is issued after settlement."""
    order = order_locked(order)
    invoice_no = invoice_no.strip()
    if order.state not in PAID_STATES:
        raise ValidationError({"invoice_no": [_("The invoice is issued at settlement.")]})
    if not invoice_no or len(invoice_no) > 40:
        raise ValidationError({"invoice_no": [_("Enter the invoice number (at most 40).")]})
    order.invoice_no = invoice_no
    order.save(update_fields=["invoice_no", "updated_at"])
    return order


# --- selectors --------------------------------------------------------------------------------


def _listed(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("customer", "vehicle", "advisor")


def cashier_queue(*, user: User, dealer: Dealer | None = None) -> QuerySet[RepairOrder]:
    """Pre-settled orders waiting for the cashier, first pre-settled first."""
    return _listed(
        RepairOrder.objects.for_user(user, dealer).filter(
            state=OrderState.READY, presettled_at__isnull=False
        )
    ).order_by("presettled_at", "id")


def on_account_orders(*, user: User, dealer: Dealer | None = None) -> QuerySet[RepairOrder]:
    """Settled orders with a balance still unpaid (挂账), oldest first."""
    return _listed(
        RepairOrder.objects.for_user(user, dealer).filter(
            state__in=PAID_STATES, paid__lt=F("customer_payable")
        )
    ).order_by("settled_at", "id")


def settlement_order(*, user: User, pk: int) -> RepairOrder:
    """One order of the user's dealers with what its settlement page shows (DoesNotExist)."""
    return (
        RepairOrder.objects.for_user(user)
        .select_related("dealer", "customer", "vehicle", "advisor", "presettled_by", "settled_by")
        .get(pk=pk)
    )


def order_fees(order: RepairOrder) -> list[tuple[str, str, Decimal]]:
    """(field, label, amount) of each fee, in the order of choices.Fee."""
    return [(fee.value, str(fee.label), getattr(order, fee.value)) for fee in Fee]


@dataclass(frozen=True)
class MoneyRow:
    """One row of the settlement's table: receivable (应收), discount (优惠), net (实收)."""

    label: str
    receivable: Decimal
    discount: Decimal
    net: Decimal


def money_rows(order: RepairOrder) -> list[MoneyRow]:
    """Labour, parts and each fee charged; the settlement discount comes off the total."""
    rows = [
        MoneyRow(
            _("Labour"),
            order.labour_gross,
            order.labour_gross - order.labour_amount,
            order.labour_amount,
        ),
        MoneyRow(
            _("Parts"),
            order.parts_gross,
            order.parts_gross - order.parts_amount,
            order.parts_amount,
        ),
    ]
    rows += [
        MoneyRow(label, amount, Decimal("0.00"), amount)
        for _f, label, amount in order_fees(order)
        if amount
    ]
    if order.settlement_discount:
        rows.append(
            MoneyRow(
                _("Settlement discount"),
                Decimal("0.00"),
                order.settlement_discount,
                -order.settlement_discount,
            )
        )
    return rows


def order_panel(*, order: RepairOrder, user: User, **forms: Any) -> dict[str, Any]:
    """The settlement's part of the repair-order page (templates/service/settlement/partials/
    order_panel.html): what it needs beyond `order`, read with at most two queries (the
    payments; who pre-settled and settled). forms: bound forms with errors to show instead of
    the fresh ones (presettle_form, undo_form, settle_form, payment_form, invoice_form)."""
    from . import forms_settlement as f

    payments = list(order.payments.select_related("by").order_by("at", "id"))
    people_ids = {order.presettled_by_id, order.settled_by_id} - {None}
    people = User.objects.in_bulk(people_ids) if people_ids else {}
    reception = user.has_perm("service.reception")
    cashier = user.has_perm("service.cashier")
    presettled = is_presettled(order)
    can = {
        "can_presettle": reception and order.state == OrderState.READY and not presettled,
        "can_undo_presettlement": reception and presettled,
        "can_settle": cashier and presettled,
        "can_pay": cashier and order.state in PAID_STATES and order.outstanding > 0,
        "can_invoice": cashier and order.state in PAID_STATES,
        "can_print": user.has_perm("service.view"),
    }
    return {
        **can,
        "settlement_rows": money_rows(order),
        "settlement_payments": payments,
        "settlement_presettled": presettled,
        "settlement_on_account": order.state in PAID_STATES and order.outstanding > 0,
        "presettled_by": people.get(order.presettled_by_id),
        "settled_by": people.get(order.settled_by_id),
        "presettle_form": forms.get("presettle_form")
        or (f.PresettleForm(order=order) if can["can_presettle"] else None),
        "undo_form": forms.get("undo_form")
        or (f.PresettleUndoForm() if can["can_undo_presettlement"] else None),
        "settle_form": forms.get("settle_form") or (f.SettleForm() if can["can_settle"] else None),
        "payment_form": forms.get("payment_form")
        or (f.PaymentForm(initial={"amount": order.outstanding}) if can["can_pay"] else None),
        "invoice_form": forms.get("invoice_form")
        or (
            f.InvoiceForm(initial={"invoice_no": order.invoice_no}) if can["can_invoice"] else None
        ),
    }
