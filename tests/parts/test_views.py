"""The warehouse's pages with the Django client: permissions, tenancy, forms, query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dcrc.parts import requisitions
from dcrc.parts.choices import OldPartDisposition, ReservationState
from dcrc.parts.models import OldPartReturn, Part, Reservation, StockLevel
from tests.conftest import login
from tests.factories import make_part, stock_put
from tests.parts.conftest import make_appointment, order_confirm

HTMX = {"HTTP_HX_REQUEST": "true"}


def queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# --- catalogue -----------------------------------------------------------------------------


def test_it_searches_the_catalogue_by_code_name_and_brand(
    client, warehouse_keeper_a, dealer_a, oil_filter, engine_oil
):
    make_part(dealer_a, code="BRK-01", name="前刹车片", brand="博世", category="制动")
    login(client, warehouse_keeper_a)
    for query, expected in (("06L1", "06L115562B"), ("机油", "G052195M4"), ("博世", "BRK-01")):
        page = client.get(reverse("parts:list"), {"q": query}).content.decode()
        assert expected in page, query
    page = client.get(reverse("parts:list"), {"category": "制动"}).content.decode()
    assert "BRK-01" in page and "06L115562B" not in page


def test_it_filters_the_parts_under_their_threshold(
    client, warehouse_keeper_a, dealer_a, warehouse_a
):
    low = make_part(dealer_a, code="LOW-1", low_stock_threshold=Decimal("5"))
    stock_put(low, warehouse_a, "3", warehouse_keeper_a)
    fine = make_part(dealer_a, code="FINE-1", low_stock_threshold=Decimal("5"))
    stock_put(fine, warehouse_a, "30", warehouse_keeper_a)
    login(client, warehouse_keeper_a)
    page = client.get(reverse("parts:list"), {"low": "1"}, **HTMX).content.decode()
    assert "LOW-1" in page and "FINE-1" not in page
    page = client.get(reverse("parts:low_stock")).content.decode()
    assert "LOW-1" in page and "FINE-1" not in page


def test_it_lists_the_catalogue_in_a_fixed_number_of_queries(
    client, warehouse_keeper_a, dealer_a, warehouse_a
):
    login(client, warehouse_keeper_a)
    for i in range(3):
        stock_put(make_part(dealer_a, code=f"Q{i:03d}"), warehouse_a, "2", warehouse_keeper_a)
    few = queries_of(client, reverse("parts:list"))
    for i in range(3, 40):
        stock_put(make_part(dealer_a, code=f"Q{i:03d}"), warehouse_a, "2", warehouse_keeper_a)
    assert queries_of(client, reverse("parts:list")) == few
    assert queries_of(client, reverse("parts:low_stock")) <= few


def test_it_shows_a_part_with_stock_per_bin_and_movements(client, advisor_a, oil_filter):
    login(client, advisor_a)
    page = client.get(reverse("parts:part_detail", args=[oil_filter.pk])).content.decode()
    assert "A-01-01" in page and 'data-testid="movement"' in page


def test_it_answers_404_for_another_dealer_s_part(client, warehouse_keeper_a, part_b):
    login(client, warehouse_keeper_a)
    assert client.get(reverse("parts:part_detail", args=[part_b.pk])).status_code == 404
    assert client.get(reverse("parts:part_edit", args=[part_b.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["cashier_a", "agent_a", "qc_a"])
def test_it_keeps_the_warehouse_from_roles_without_parts_access(client, request, persona):
    login(client, request.getfixturevalue(persona))
    assert client.get(reverse("parts:list")).status_code == 403
    assert client.get(reverse("parts:requisitions")).status_code == 403


@pytest.mark.parametrize("name", ["parts:part_new", "parts:receive"])
def test_it_lets_an_advisor_look_but_not_keep_stock(client, advisor_a, name):
    login(client, advisor_a)
    assert client.get(reverse("parts:list")).status_code == 200
    assert client.get(reverse(name)).status_code == 403


def test_it_adds_a_part_and_refuses_a_duplicate_code(client, warehouse_keeper_a, oil_filter):
    login(client, warehouse_keeper_a)
    data = {
        "code": "5q0698151",
        "name": "前刹车片",
        "brand": "大众",
        "category": "制动",
        "unit": "套",
        "origin": "oem",
        "default_bin": "C-01-02",
        "sale_price": "480.00",
        "cost_price": "300.00",
        "low_stock_threshold": "2",
        "active": "on",
    }
    response = client.post(reverse("parts:part_new"), data)
    part = Part.objects.get(code="5Q0698151")
    assert response.status_code == 302 and part.unit == "套"

    response = client.post(reverse("parts:part_new"), {**data, "code": oil_filter.code})
    assert response.status_code == 422
    assert "已在配件目录中" in response.content.decode() or "already" in response.content.decode()

    response = client.post(reverse("parts:part_new"), {**data, "code": "X1", "sale_price": "-1"})
    assert response.status_code == 422 and not Part.objects.filter(code="X1").exists()
    assert set(response.context["form"].errors) == {"sale_price"}


def test_it_receives_through_the_page(client, warehouse_keeper_a, oil_filter, warehouse_a):
    login(client, warehouse_keeper_a)
    response = client.post(
        reverse("parts:receive"),
        {
            "part": oil_filter.code.lower(),
            "warehouse": warehouse_a.pk,
            "quantity": "5",
            "reference": "DN1",
            "supplier": "一汽配件",
        },
    )
    assert response.status_code == 302
    assert StockLevel.objects.get(part=oil_filter).on_hand == Decimal("25")
    response = client.post(
        reverse("parts:receive"), {"part": "NOPE", "warehouse": warehouse_a.pk, "quantity": "abc"}
    )
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"part", "quantity"}


# --- requisitions --------------------------------------------------------------------------


def test_it_queues_confirmed_lines_and_issues_them_with_htmx(
    client, warehouse_keeper_a, confirmed_line
):
    login(client, warehouse_keeper_a)
    page = client.get(reverse("parts:requisitions")).content.decode()
    assert confirmed_line.order.number in page
    response = client.post(
        reverse("parts:line_issue", args=[confirmed_line.pk]), {"quantity": "2"}, **HTMX
    )
    assert response.status_code == 200
    assert 'id="parts-order-panel"' in response.content.decode()
    confirmed_line.refresh_from_db()
    assert confirmed_line.issued_quantity == Decimal("2")
    assert (
        confirmed_line.order.number
        not in client.get(reverse("parts:requisitions")).content.decode()
    )


def test_it_answers_a_refused_issue_with_the_reason_on_the_panel(
    client, warehouse_keeper_a, confirmed_line
):
    login(client, warehouse_keeper_a)
    response = client.post(
        reverse("parts:line_issue", args=[confirmed_line.pk]), {"quantity": "99"}, **HTMX
    )
    assert response.status_code == 422
    assert 'data-testid="parts-error"' in response.content.decode()
    response = client.post(reverse("parts:line_issue", args=[confirmed_line.pk]), {"quantity": "x"})
    assert response.status_code == 422


def test_it_returns_and_exchanges_through_the_panel(client, warehouse_keeper_a, confirmed_line):
    login(client, warehouse_keeper_a)
    client.post(reverse("parts:line_issue", args=[confirmed_line.pk]), {"quantity": "2"})
    response = client.post(
        reverse("parts:line_exchange", args=[confirmed_line.pk]),
        {"quantity": "1", "reason": "新件破损", "new_line": ""},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("parts:line_return", args=[confirmed_line.pk]), {"quantity": "1", "reason": "多领"}
    )
    assert response.status_code == 302
    confirmed_line.refresh_from_db()
    assert confirmed_line.issued_quantity == Decimal("1")


def test_it_keeps_advisors_from_issuing(client, advisor_a, confirmed_line):
    login(client, advisor_a)
    response = client.post(reverse("parts:line_issue", args=[confirmed_line.pk]), {"quantity": "1"})
    assert response.status_code == 403


def test_it_answers_404_for_another_dealer_s_order(client, warehouse_keeper_a, order_b):
    login(client, warehouse_keeper_a)
    assert client.get(reverse("parts:order", args=[order_b.pk])).status_code == 404
    response = client.post(reverse("parts:old_part_add", args=[order_b.pk]), {"quantity": "1"})
    assert response.status_code == 404


def test_it_records_an_old_part_on_the_panel(client, warehouse_keeper_a, confirmed_line):
    login(client, warehouse_keeper_a)
    response = client.post(
        reverse("parts:old_part_add", args=[confirmed_line.order_id]),
        {
            "part_line": confirmed_line.pk,
            "quantity": "1",
            "disposition": OldPartDisposition.SCRAPPED,
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert OldPartReturn.objects.filter(repair_order_id=confirmed_line.order_id).count() == 1
    assert "parts-order-panel" in response.content.decode()
    response = client.post(
        reverse("parts:old_part_add", args=[confirmed_line.order_id]),
        {
            "quantity": "1",
            "disposition": OldPartDisposition.TO_MANUFACTURER,
            "description": "旧机滤",
        },
        **HTMX,
    )
    assert response.status_code == 422
    assert response.context["parts_errors"]  # the claim no. is missing
    page = client.get(reverse("parts:old_parts")).content.decode()
    assert confirmed_line.order.number in page


def test_it_reads_the_order_panel_in_a_fixed_number_of_queries(
    advisor_a, warehouse_keeper_a, order_a, dealer_a, warehouse_a, django_assert_num_queries
):
    part = make_part(dealer_a, code="PANEL-0")
    stock_put(part, warehouse_a, "9", warehouse_keeper_a)
    order_confirm(order_a, advisor_a, part, quantity="1")
    with CaptureQueriesContext(connection) as one:
        requisitions.order_panel(order=order_a, user=warehouse_keeper_a)
    from dcrc.service import orders

    for _ in range(7):
        orders.part_line_add(order=order_a, part=part, quantity=Decimal("1"), by=advisor_a)
    with django_assert_num_queries(len(one)):
        panel = requisitions.order_panel(order=order_a, user=warehouse_keeper_a)
    assert len(panel["parts_lines"]) == 8


# --- appointments --------------------------------------------------------------------------


def test_it_reserves_for_an_appointment_or_back_orders(
    client, warehouse_keeper_a, appointment_a, oil_filter, dealer_a
):
    missing = make_part(dealer_a, code="MISSING")
    login(client, warehouse_keeper_a)
    url = reverse("parts:appointment_reserve", args=[appointment_a.pk])
    assert client.post(url, {"part": oil_filter.code, "quantity": "1"}, **HTMX).status_code == 200
    assert client.post(url, {"part": "MISSING", "quantity": "2"}, **HTMX).status_code == 200
    states = dict(
        Reservation.objects.filter(appointment=appointment_a).values_list("part__code", "state")
    )
    assert states == {
        oil_filter.code: ReservationState.RESERVED,
        "MISSING": ReservationState.BACKORDERED,
    }
    response = client.post(url, {"part": "NOPE", "quantity": "0"}, **HTMX)
    assert response.status_code == 422

    page = client.get(reverse("parts:backorders")).content.decode()
    assert "MISSING" in page
    backorder = Reservation.objects.get(part=missing)
    response = client.post(
        reverse("parts:backorder_edit", args=[backorder.pk]),
        {"supplier_order_no": "PO-88", "expected_on": "2030-01-05"},
    )
    assert response.status_code == 302
    backorder.refresh_from_db()
    assert backorder.supplier_order_no == "PO-88"
    response = client.post(
        reverse("parts:backorder_edit", args=[backorder.pk]),
        {"supplier_order_no": "PO-88", "expected_on": "9999-01-05"},
    )
    assert response.status_code == 422


def test_it_lists_parts_needed_for_upcoming_appointments(
    client, warehouse_keeper_a, appointment_a, car_a, advisor_a
):
    make_appointment(car_a, advisor_a, days=10, number="AP-LATER")
    login(client, warehouse_keeper_a)
    page = client.get(reverse("parts:upcoming")).content.decode()
    assert appointment_a.number in page and "AP-LATER" not in page
    assert "AP-LATER" in client.get(reverse("parts:upcoming"), {"days": "14"}).content.decode()
    assert client.get(reverse("parts:upcoming"), {"days": "x"}).status_code == 200


def test_it_releases_a_reservation_from_the_appointment_panel(
    client, warehouse_keeper_a, appointment_a, oil_filter
):
    login(client, warehouse_keeper_a)
    client.post(
        reverse("parts:appointment_reserve", args=[appointment_a.pk]),
        {"part": oil_filter.code, "quantity": "1"},
    )
    reservation = Reservation.objects.get(appointment=appointment_a)
    response = client.post(
        reverse("parts:reservation_release", args=[reservation.pk]),
        {"panel": "appointment"},
        **HTMX,
    )
    assert response.status_code == 200
    reservation.refresh_from_db()
    assert reservation.state == ReservationState.RELEASED


def test_it_answers_404_for_another_dealer_s_appointment(
    client, warehouse_keeper_a, dealer_b, advisor_b
):
    from tests.factories import make_customer, make_vehicle

    car = make_vehicle(make_customer(dealer_b), plate="京A55555", mileage=0)
    appointment = make_appointment(car, advisor_b)
    login(client, warehouse_keeper_a)
    assert client.get(reverse("parts:appointment", args=[appointment.pk])).status_code == 404


def test_it_lists_upcoming_appointments_in_a_fixed_number_of_queries(
    client, warehouse_keeper_a, car_a, advisor_a, oil_filter, warehouse_a
):
    from dcrc.parts.reservations import appointment_part_reserve

    login(client, warehouse_keeper_a)
    first = make_appointment(car_a, advisor_a, number="AP-Q0")
    appointment_part_reserve(
        appointment=first, part=oil_filter, quantity=Decimal("1"), by=warehouse_keeper_a
    )
    few = queries_of(client, reverse("parts:upcoming"))
    for i in range(1, 10):
        appointment = make_appointment(car_a, advisor_a, number=f"AP-Q{i}")
        appointment_part_reserve(
            appointment=appointment, part=oil_filter, quantity=Decimal("1"), by=warehouse_keeper_a
        )
    assert queries_of(client, reverse("parts:upcoming")) == few
    assert queries_of(client, reverse("parts:backorders")) <= few


def test_it_lists_the_queue_and_old_parts_in_a_fixed_number_of_queries(
    client, warehouse_keeper_a, advisor_a, dealer_a, warehouse_a
):
    from dcrc.customers.choices import VisitType
    from dcrc.service import orders
    from tests.factories import make_customer, make_vehicle

    part = make_part(dealer_a, code="QUEUE")
    stock_put(part, warehouse_a, "100", warehouse_keeper_a)

    def confirmed_order(i):
        car = make_vehicle(make_customer(dealer_a), plate=f"粤B{i:05d}", mileage=0)
        order = orders.repair_order_open(
            vehicle=car,
            by=advisor_a,
            odometer=100,
            customer_description="保养",
            visit_type=VisitType.PERIODIC_MAINTENANCE,
        )
        line = order_confirm(order, advisor_a, part, quantity="2")
        requisitions.requisition_issue(line=line, quantity=Decimal("1"), by=warehouse_keeper_a)
        requisitions.old_part_record(
            order=order,
            part_line=line,
            description="",
            quantity=Decimal("1"),
            disposition=OldPartDisposition.SCRAPPED,
            by=warehouse_keeper_a,
        )

    login(client, warehouse_keeper_a)
    confirmed_order(0)
    queue, old = (
        queries_of(client, reverse("parts:requisitions")),
        queries_of(client, reverse("parts:old_parts")),
    )
    for i in range(1, 6):
        confirmed_order(i)
    assert queries_of(client, reverse("parts:requisitions")) == queue
    assert queries_of(client, reverse("parts:old_parts")) == old
