"""Pre-settlement by the advisor, settlement by the cashier, payments, on account, undo."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dcrc.service import orders, settlement
from dcrc.service.choices import OrderAction, OrderState, PaymentMethod
from dcrc.service.models import Payment, RepairOrder
from tests.factories import make_ready_order

D = Decimal


@pytest.fixture
def ready(order_a, advisor_a, oil_change, oil_filter):
    """Ready for delivery: 0.5 h × 180 + one oil filter at 68 = 158.00."""
    return make_ready_order(order_a, advisor_a, labour_items=[oil_change], parts=[(oil_filter, 1)])


@pytest.fixture
def presettled(ready, advisor_a):
    return settlement.repair_order_presettle(
        order=ready, by=advisor_a, fees={"materials_fee": D("12.50")}
    )


def _fresh(order):
    return RepairOrder.objects.get(pk=order.pk)


def test_it_presettles_a_ready_order_with_fees_and_a_discount(ready, advisor_a):
    order = settlement.repair_order_presettle(
        order=ready,
        by=advisor_a,
        fees={"management_fee": D("20.00"), "rescue_fee": D("150.00")},
        discount=D("8.00"),
        discount_reason="老客户抹零",
    )

    order = _fresh(order)
    assert order.presettled_by == advisor_a and order.presettled_at is not None
    assert order.fees == D("170.00")
    assert order.total == D("158.00") + D("170.00") - D("8.00")
    assert order.customer_payable == order.total == D("320.00")
    assert order.outstanding == D("320.00")
    assert order.events.filter(action=OrderAction.PRESETTLE).count() == 1
    assert order in settlement.cashier_queue(user=advisor_a)


@pytest.mark.parametrize(
    "state",
    [OrderState.OPEN, OrderState.CONFIRMED, OrderState.IN_WORK, OrderState.QC, OrderState.SETTLED],
)
def test_it_refuses_to_presettle_an_order_that_is_not_ready(order_a, advisor_a, state):
    RepairOrder.objects.filter(pk=order_a.pk).update(state=state)
    with pytest.raises(ValidationError) as error:
        settlement.repair_order_presettle(order=_fresh(order_a), by=advisor_a)
    assert "action" in error.value.message_dict


def test_it_refuses_a_second_presettlement(presettled, advisor_a):
    with pytest.raises(ValidationError, match="already pre-settled|已预结算"):
        settlement.repair_order_presettle(order=presettled, by=advisor_a)


def test_it_refuses_a_discount_without_reason_or_above_the_total(ready, advisor_a):
    with pytest.raises(ValidationError) as error:
        settlement.repair_order_presettle(order=ready, by=advisor_a, discount=D("5"))
    assert "settlement_discount_reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        settlement.repair_order_presettle(
            order=ready, by=advisor_a, discount=D("158.01"), discount_reason="x"
        )
    assert "settlement_discount" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        settlement.settlement_fees_set(order=ready, by=advisor_a, fees={"other_fee": D("1.005")})
    assert "other_fee" in error.value.message_dict
    assert _fresh(ready).presettled_at is None


def test_it_grants_the_discount_only_when_the_work_is_ready(order_a, advisor_a):
    with pytest.raises(ValidationError) as error:
        settlement.settlement_fees_set(
            order=order_a, by=advisor_a, discount=D("1"), discount_reason="x"
        )
    assert "settlement_discount" in error.value.message_dict
    # A rescue fee is known at reception already.
    order = settlement.settlement_fees_set(
        order=order_a, by=advisor_a, fees={"rescue_fee": D("300.00")}
    )
    assert _fresh(order).total == D("300.00")


def test_it_settles_with_payments_split_across_methods(presettled, cashier_a):
    order = settlement.repair_order_settle(
        order=presettled,
        by=cashier_a,
        payments={PaymentMethod.CASH: D("70.50"), PaymentMethod.WECHAT: D("100.00")},
        references={PaymentMethod.WECHAT: "4200001234"},
        invoice_no="No.04411234",
    )

    order = _fresh(order)
    assert order.state == OrderState.SETTLED
    assert order.paid == D("170.50") == order.customer_payable
    assert order.outstanding == 0
    assert (order.settled_by, order.invoice_no, order.on_account_reason) == (
        cashier_a,
        "No.04411234",
        "",
    )
    assert sorted(order.payments.values_list("method", "amount", "reference")) == [
        ("cash", D("70.50"), ""),
        ("wechat", D("100.00"), "4200001234"),
    ]
    assert order in orders.RepairOrder.objects.filter(state=OrderState.SETTLED)
    assert order not in settlement.cashier_queue(user=cashier_a)
    released = orders.repair_order_release(order=order, by=cashier_a)
    assert released.state == OrderState.RELEASED


def test_it_refuses_an_overpayment_with_a_field_error(presettled, cashier_a):
    with pytest.raises(ValidationError) as error:
        settlement.repair_order_settle(
            order=presettled,
            by=cashier_a,
            payments={PaymentMethod.CARD: D("100.00"), PaymentMethod.ALIPAY: D("70.51")},
        )
    assert list(error.value.message_dict) == ["alipay"]
    assert "170.51" in error.value.message_dict["alipay"][0]
    order = _fresh(presettled)
    assert (order.state, order.paid, Payment.objects.count()) == (OrderState.READY, 0, 0)


def test_it_refuses_bad_amounts(presettled, cashier_a):
    with pytest.raises(ValidationError) as error:
        settlement.repair_order_settle(
            order=presettled,
            by=cashier_a,
            payments={PaymentMethod.CASH: D("-1"), PaymentMethod.CARD: D("0.001")},
        )
    assert set(error.value.message_dict) == {"cash", "card"}


def test_it_puts_the_balance_on_account_only_with_a_reason(presettled, cashier_a):
    with pytest.raises(ValidationError) as error:
        settlement.repair_order_settle(
            order=presettled, by=cashier_a, payments={PaymentMethod.CASH: D("100")}
        )
    assert "70.50" in error.value.message_dict["on_account_reason"][0]

    order = settlement.repair_order_settle(
        order=presettled,
        by=cashier_a,
        payments={PaymentMethod.CASH: D("100")},
        on_account_reason="车队客户月结",
    )

    order = _fresh(order)
    assert (order.state, order.outstanding, order.on_account_reason) == (
        OrderState.SETTLED,
        D("70.50"),
        "车队客户月结",
    )
    assert list(settlement.on_account_orders(user=cashier_a)) == [order]
    # The balance is paid later; more than the balance is refused.
    with pytest.raises(ValidationError) as error:
        settlement.payment_record(
            order=order, method=PaymentMethod.CARD, amount=D("70.51"), by=cashier_a
        )
    assert "amount" in error.value.message_dict
    settlement.payment_record(
        order=order, method=PaymentMethod.CARD, amount=D("70.50"), by=cashier_a
    )
    order = _fresh(order)
    assert order.outstanding == 0 and order.paid == D("170.50")
    assert list(settlement.on_account_orders(user=cashier_a)) == []
    with pytest.raises(ValidationError):
        settlement.payment_record(
            order=order, method=PaymentMethod.CARD, amount=D("1"), by=cashier_a
        )


def test_it_settles_warranty_work_with_nothing_to_pay(ready, advisor_a, cashier_a):
    orders.repair_order_update(order=ready, by=advisor_a, business_type="warranty")
    order = settlement.repair_order_presettle(order=_fresh(ready), by=advisor_a)
    assert order.customer_payable == 0 and order.total == D("158.00")

    order = settlement.repair_order_settle(order=order, by=cashier_a)

    assert order.state == OrderState.SETTLED and order.paid == 0


def test_it_refuses_to_settle_before_presettlement(ready, cashier_a):
    with pytest.raises(ValidationError, match="pre-settles|预结算"):
        settlement.repair_order_settle(
            order=ready, by=cashier_a, payments={PaymentMethod.CASH: D("158")}
        )


def test_it_refuses_to_settle_twice(presettled, cashier_a):
    settlement.repair_order_settle(
        order=presettled, by=cashier_a, payments={PaymentMethod.CASH: D("170.50")}
    )
    with pytest.raises(ValidationError) as error:
        settlement.repair_order_settle(order=_fresh(presettled), by=cashier_a)
    assert "action" in error.value.message_dict


def test_it_undoes_the_presettlement_when_the_money_changes(presettled, advisor_a):
    order = settlement.settlement_fees_set(
        order=presettled, by=advisor_a, fees={"other_fee": D("5.00")}
    )

    order = _fresh(order)
    assert order.presettled_at is None and order.total == D("175.50")
    assert order not in settlement.cashier_queue(user=advisor_a)
    assert order.events.filter(action=OrderAction.PRESETTLE, note__contains="撤销").exists() or (
        order.events.filter(action=OrderAction.PRESETTLE).count() == 2
    )
    # Presettled again with the new figures.
    order = settlement.repair_order_presettle(order=order, by=advisor_a)
    assert order.customer_payable == D("175.50")


def test_it_undoes_a_presettlement_on_request_and_needs_a_reason(presettled, advisor_a):
    with pytest.raises(ValidationError) as error:
        settlement.presettlement_undo(order=presettled, by=advisor_a, reason=" ")
    assert "reason" in error.value.message_dict

    order = settlement.presettlement_undo(order=presettled, by=advisor_a, reason="客户加做洗车")

    assert _fresh(order).presettled_at is None
    # Calling it again, as reception or the warehouse may, does nothing.
    settlement.presettlement_undo(order=order, by=advisor_a, reason="again")
    assert order.events.filter(action=OrderAction.PRESETTLE).count() == 2


def test_it_refuses_to_undo_a_settled_presettlement(presettled, advisor_a, cashier_a):
    settlement.repair_order_settle(
        order=presettled, by=cashier_a, payments={PaymentMethod.CASH: D("170.50")}
    )
    with pytest.raises(ValidationError):
        settlement.presettlement_undo(order=_fresh(presettled), by=advisor_a, reason="x")
    with pytest.raises(ValidationError):
        settlement.settlement_fees_set(
            order=_fresh(presettled), by=advisor_a, fees={"other_fee": D("1")}
        )


def test_it_records_the_invoice_number_after_settlement(presettled, cashier_a):
    order = settlement.repair_order_settle(
        order=presettled, by=cashier_a, payments={PaymentMethod.CARD: D("170.50")}
    )
    with pytest.raises(ValidationError):
        settlement.invoice_no_set(order=order, by=cashier_a, invoice_no="")
    settlement.invoice_no_set(order=order, by=cashier_a, invoice_no="44001122")
    assert _fresh(order).invoice_no == "44001122"


def test_the_queue_is_the_dealers_own(presettled, advisor_b):
    assert list(settlement.cashier_queue(user=advisor_b)) == []
    with pytest.raises(RepairOrder.DoesNotExist):
        settlement.settlement_order(user=advisor_b, pk=presettled.pk)
