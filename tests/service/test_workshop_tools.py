"""Tools check-out / check-in, the workshop's configuration, the order panel and the demo."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone

from dcrc.service import workshop
from dcrc.service.choices import OrderState, QcItem, QcResult
from dcrc.service.demo_catalogue import demo_catalogue_load
from dcrc.service.demo_workshop import demo_workshop_load
from dcrc.service.models import LabourItem, RepairOrder, ToolCheckout
from dcrc.service.workshop import LineDispatch
from tests.factories import (
    make_confirmed_order,
    make_customer,
    make_tool,
    make_vehicle,
)

# --- tools -------------------------------------------------------------------------------------


def test_a_tool_goes_out_and_comes_back(dealer_a, dispatcher_a, technician_a, order_a):
    tool = make_tool(dealer_a)
    checkout = workshop.tool_checkout(
        tool=tool, holder=technician_a, by=dispatcher_a, order=order_a
    )
    assert checkout.due_back_at > checkout.out_at  # due back by default 8 hours later
    with pytest.raises(ValidationError) as error:
        workshop.tool_checkout(tool=tool, holder=technician_a, by=dispatcher_a)
    assert "tool" in error.value.message_dict
    workshop.tool_checkin(checkout=checkout, by=dispatcher_a, condition_note="完好")
    with pytest.raises(ValidationError):
        workshop.tool_checkin(checkout=checkout, by=dispatcher_a)
    again = workshop.tool_checkout(tool=tool, holder=technician_a, by=dispatcher_a)
    assert ToolCheckout.objects.filter(tool=tool).count() == 2 and again.in_at is None


def test_it_refuses_a_tool_out_of_service_or_a_stranger(dealer_a, dispatcher_a, advisor_b):
    broken = make_tool(dealer_a, active=False)
    with pytest.raises(ValidationError) as error:
        workshop.tool_checkout(tool=broken, holder=advisor_b, by=dispatcher_a)
    assert {"tool", "holder"} <= set(error.value.message_dict)


def test_it_refuses_an_order_of_another_dealer_or_a_past_due_time(
    dealer_a, dealer_b, dispatcher_a, technician_a, advisor_b
):
    other = make_vehicle(make_customer(dealer_b))
    from dcrc.service import orders

    order_b = orders.repair_order_open(
        vehicle=other,
        by=advisor_b,
        odometer=1000,
        customer_description="x",
        visit_type="minor_repair",
    )
    with pytest.raises(ValidationError) as error:
        workshop.tool_checkout(
            tool=make_tool(dealer_a),
            holder=technician_a,
            by=dispatcher_a,
            order=order_b,
            due_back_at=timezone.now() - datetime.timedelta(minutes=1),
        )
    assert {"order", "due_back_at"} <= set(error.value.message_dict)


def test_the_tool_board_puts_overdue_tools_first(dealer_a, dispatcher_a, technician_a):
    free = make_tool(dealer_a, code="A001")
    out = make_tool(dealer_a, code="B001")
    late = make_tool(dealer_a, code="C001")
    past = timezone.now() - datetime.timedelta(hours=9)
    workshop.tool_checkout(tool=out, holder=technician_a, by=dispatcher_a)
    workshop.tool_checkout(
        tool=late,
        holder=technician_a,
        by=dispatcher_a,
        at=past,
        due_back_at=past + datetime.timedelta(hours=1),
    )
    rows = workshop.tool_board(user=dispatcher_a, dealer=None)
    assert [row.tool for row in rows] == [late, out, free]
    assert [row.overdue for row in rows] == [True, False, False]


# --- configuration ------------------------------------------------------------------------


def test_a_station_is_saved_with_its_people(dealer_a, service_manager_a, technician_a, advisor_b):
    station = workshop.station_save(
        dealer=dealer_a,
        by=service_manager_a,
        code="B2",
        name="钣金2",
        kind="sheet_metal",
        bays=1,
        team_lead=technician_a,
        technicians=[technician_a],
    )
    assert list(station.technicians.all()) == [technician_a]
    with pytest.raises(ValidationError) as error:
        workshop.station_save(
            dealer=dealer_a,
            by=service_manager_a,
            code="B2",
            name="",
            kind="x",
            bays=0,
            technicians=[advisor_b],
        )
    assert {"code", "name", "kind", "bays", "technicians"} == set(error.value.message_dict)


def test_a_labour_item_is_saved_and_checked(dealer_a, service_manager_a, oil_change):
    item = workshop.labour_item_save(
        dealer=dealer_a,
        by=service_manager_a,
        code="M099",
        name="发动机舱清洗",
        work_type="maintenance",
        standard_hours=Decimal("0.5"),
        rate=Decimal("150"),
    )
    assert LabourItem.objects.get(code="M099") == item
    with pytest.raises(ValidationError) as error:
        workshop.labour_item_save(
            dealer=dealer_a,
            by=service_manager_a,
            code=oil_change.code,
            name="x",
            work_type="maintenance",
            standard_hours=Decimal("-1"),
            rate=Decimal("0.001"),
        )
    assert {"code", "standard_hours", "rate"} == set(error.value.message_dict)


def test_another_dealers_row_is_refused(dealer_a, dealer_b, service_manager_a, oil_change):
    with pytest.raises(ValidationError):
        workshop.labour_item_save(dealer=dealer_b, by=service_manager_a, item=oil_change, name="x")


# --- the order panel ----------------------------------------------------------------------------


def test_the_order_panel_reads_with_fixed_queries(
    car_a,
    advisor_a,
    oil_change,
    brake_job,
    dispatcher_a,
    quick_bay,
    technician_a,
    qc_a,
    dealer_a,
    django_assert_num_queries,
):
    order = make_confirmed_order(car_a, advisor_a, [oil_change, brake_job])
    workshop.repair_order_dispatch(
        order=order,
        by=dispatcher_a,
        lines=[
            LineDispatch(line=line, station=quick_bay, technician=technician_a)
            for line in order.job_lines.all()
        ],
    )
    for line in order.job_lines.all():
        workshop.job_line_start(line=line, by=technician_a)
        workshop.job_line_finish(line=line, by=technician_a)
    order.refresh_from_db()
    workshop.quality_check_record(
        order=order,
        by=qc_a,
        result=QcResult.FAIL,
        checklist=[],
        rework_reason="异响",
        rework_owner=technician_a,
    )
    workshop.tool_checkout(
        tool=make_tool(dealer_a), holder=technician_a, by=dispatcher_a, order=order
    )
    order = RepairOrder.objects.get(pk=order.pk)
    dispatcher_a.dealer_ids  # noqa: B018 -- the tenancy cache the middleware fills
    with django_assert_num_queries(3):
        context = workshop.order_panel(order=order, user=dispatcher_a)
        html = render_to_string(
            "service/workshop/partials/order_panel.html", {"order": order, **context}
        )
    assert html.count('data-testid="workshop-line"') == 2
    assert 'data-testid="qc-history"' in html and "异响" in html
    assert context["workshop_can_dispatch"]  # a rework order takes new dispatches


# --- demo -----------------------------------------------------------------------------------


def test_the_demo_fills_every_workshop_state_once(
    dealer_a, advisor_a, dispatcher_a, qc_a, technician_a
):
    users = {
        "advisor": advisor_a,
        "dispatcher": dispatcher_a,
        "qc": qc_a,
        "tech": technician_a,
        "admin": advisor_a,
    }
    demo_catalogue_load(dealer=dealer_a, users=users)
    for _ in range(14):
        make_vehicle(make_customer(dealer_a))
    now = timezone.now()
    demo_workshop_load(dealer=dealer_a, users=users, now=now)
    states = set(RepairOrder.objects.filter(dealer=dealer_a).values_list("state", flat=True))
    assert states == {
        OrderState.CONFIRMED,
        OrderState.DISPATCHED,
        OrderState.IN_WORK,
        OrderState.QC,
        OrderState.REWORK,
        OrderState.READY,
    }
    board = workshop.workshop_kanban(user=dispatcher_a, dealer=dealer_a, now=now)
    assert board.total == 12 and board.late >= 1
    assert any(row.overdue for row in workshop.tool_board(user=dispatcher_a, dealer=dealer_a))
    demo_workshop_load(dealer=dealer_a, users=users, now=now)  # idempotent
    assert RepairOrder.objects.filter(dealer=dealer_a).count() == 12
    assert set(QcItem.values)  # the check list the demo ticks
