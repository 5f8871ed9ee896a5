"""The cashier's queue, the settlement page and panel, their writes, per role and dealer."""

from decimal import Decimal

import pytest
from django.urls import reverse

from dcrc.service import settlement
from dcrc.service.choices import OrderState, PaymentMethod
from dcrc.service.models import RepairOrder
from tests.conftest import login
from tests.factories import make_customer, make_ready_order, make_vehicle

D = Decimal


@pytest.fixture
def ready(order_a, advisor_a, oil_change, oil_filter):
    return make_ready_order(order_a, advisor_a, labour_items=[oil_change], parts=[(oil_filter, 1)])


@pytest.fixture
def presettled(ready, advisor_a):
    return settlement.repair_order_presettle(order=ready, by=advisor_a)


def _fresh(order):
    return RepairOrder.objects.get(pk=order.pk)


def test_the_advisor_presettles_from_the_panel(client, ready, advisor_a):
    login(client, advisor_a)
    page = client.get(reverse("service:settlement", args=[ready.pk]))
    assert page.status_code == 200
    assert b'id="presettle-form"' in page.content and b'id="settle-form"' not in page.content

    response = client.post(
        reverse("service:presettle", args=[ready.pk]),
        {
            "management_fee": "10.00",
            "materials_fee": "",
            "settlement_discount": "3.00",
            "settlement_discount_reason": "抹零",
        },
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert b'id="settlement-panel"' in response.content and b"<html" not in response.content
    order = _fresh(ready)
    assert order.presettled_at is not None and order.total == D("165.00")


def test_the_presettlement_form_answers_bad_input_per_field(client, ready, advisor_a):
    login(client, advisor_a)
    response = client.post(
        reverse("service:presettle", args=[ready.pk]),
        {"rescue_fee": "-5", "settlement_discount": "2"},
    )
    assert response.status_code == 422
    form = response.context["presettle_form"]
    assert "rescue_fee" in form.errors
    response = client.post(
        reverse("service:presettle", args=[ready.pk]), {"settlement_discount": "2"}
    )
    assert "settlement_discount_reason" in response.context["presettle_form"].errors
    assert _fresh(ready).presettled_at is None


def test_the_cashier_settles_with_split_payments(client, presettled, cashier_a):
    login(client, cashier_a)
    queue = client.get(reverse("service:cashier"))
    assert presettled.number in queue.content.decode()

    response = client.post(
        reverse("service:settle", args=[presettled.pk]),
        {
            "cash": "58.00",
            "alipay": "100",
            "alipay_reference": "2026120322001",
            "invoice_no": "44001234",
        },
    )

    assert response.status_code == 302
    order = _fresh(presettled)
    assert (order.state, order.paid, order.invoice_no) == (
        OrderState.SETTLED,
        D("158.00"),
        "44001234",
    )
    assert order.payments.count() == 2


def test_an_overpayment_is_refused_on_the_field(client, presettled, cashier_a):
    login(client, cashier_a)
    response = client.post(
        reverse("service:settle", args=[presettled.pk]),
        {"cash": "100", "wechat": "58.01"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "wechat" in response.context["settle_form"].errors
    assert _fresh(presettled).state == OrderState.READY


def test_the_balance_goes_on_account_and_is_paid_later(client, presettled, cashier_a):
    login(client, cashier_a)
    client.post(
        reverse("service:settle", args=[presettled.pk]),
        {"card": "100", "on_account_reason": "单位月结"},
    )
    assert _fresh(presettled).outstanding == D("58.00")
    tab = client.get(reverse("service:cashier"), {"tab": "on_account"})
    assert "单位月结" in tab.content.decode()

    response = client.post(
        reverse("service:payment_add", args=[presettled.pk]),
        {"method": "wechat", "amount": "58.00"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert _fresh(presettled).outstanding == 0


def test_the_advisor_undoes_a_presettlement(client, presettled, advisor_a):
    login(client, advisor_a)
    response = client.post(reverse("service:presettle_undo", args=[presettled.pk]), {"reason": ""})
    assert response.status_code == 422
    client.post(reverse("service:presettle_undo", args=[presettled.pk]), {"reason": "客户加项目"})
    assert _fresh(presettled).presettled_at is None


@pytest.mark.parametrize(
    ("name", "persona"),
    [
        ("presettle", "cashier_a"),
        ("presettle_undo", "cashier_a"),
        ("settle", "advisor_a"),
        ("payment_add", "advisor_a"),
        ("invoice_set", "advisor_a"),
        ("settle", "technician_a"),
    ],
)
def test_each_write_needs_its_role(client, presettled, request, name, persona):
    login(client, request.getfixturevalue(persona))
    assert client.post(reverse(f"service:{name}", args=[presettled.pk]), {}).status_code == 403


def test_the_queue_is_the_cashiers(client, advisor_a, cashier_a):
    login(client, advisor_a)
    assert client.get(reverse("service:cashier")).status_code == 403
    login(client, cashier_a)
    assert client.get(reverse("service:cashier")).status_code == 200


def test_another_dealers_order_is_not_found(client, presettled, advisor_b):
    login(client, advisor_b)
    for name in ("settlement", "presettle", "presettle_undo"):
        method = client.get if name == "settlement" else client.post
        assert method(reverse(f"service:{name}", args=[presettled.pk])).status_code == 404
    url = reverse("service:order_print", args=[presettled.pk, "statement"])
    assert client.get(url).status_code == 404


def _ready_order(dealer, advisor, labour, part, plate):
    from dcrc.customers.choices import VisitType
    from dcrc.service import orders

    owner = make_customer(dealer, name="客户" + plate[-3:])
    vehicle = make_vehicle(owner, plate=plate, mileage=0)
    order = orders.repair_order_open(
        vehicle=vehicle,
        by=advisor,
        odometer=1000,
        customer_description="保养",
        visit_type=VisitType.PERIODIC_MAINTENANCE,
    )
    return make_ready_order(order, advisor, labour_items=[labour], parts=[(part, 2)])


def test_the_queue_reads_with_fixed_queries(
    client, dealer_a, advisor_a, cashier_a, oil_change, oil_filter, django_assert_num_queries
):
    def queue_of(count):
        for n in range(count):
            order = _ready_order(
                dealer_a, advisor_a, oil_change, oil_filter, f"粤B{len(plates)}{n:04d}"
            )
            settlement.repair_order_presettle(order=order, by=advisor_a)
        plates.append(count)

    plates: list = []
    login(client, cashier_a)
    queue_of(2)
    client.get(reverse("service:cashier"))
    with django_assert_num_queries(5) as first:
        client.get(reverse("service:cashier"))
    queue_of(5)
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get(reverse("service:cashier"))
    assert response.content.decode().count('class="fw-bold" href="/service/settlement/') == 7


def test_the_panel_reads_with_fixed_queries(
    client, presettled, cashier_a, django_assert_num_queries
):
    settlement.repair_order_settle(
        order=presettled,
        by=cashier_a,
        payments={PaymentMethod.CASH: D("50"), PaymentMethod.CARD: D("8")},
        on_account_reason="月结",
    )
    order = settlement.settlement_order(user=cashier_a, pk=presettled.pk)
    with django_assert_num_queries(2):  # payments with who took them; who pre-settled, settled
        panel = settlement.order_panel(order=order, user=cashier_a)
    assert len(panel["settlement_payments"]) == 2 and panel["can_pay"]
    assert not panel["can_settle"] and not panel["can_presettle"]
