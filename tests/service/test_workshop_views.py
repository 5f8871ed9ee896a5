"""The workshop's pages through the Django client: roles, tenancy, forms, htmx partials."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dcrc.service import workshop
from dcrc.service.choices import JobState, OrderState, QcItem
from dcrc.service.models import JobLine, LabourItem, QualityCheck, Station, ToolCheckout
from dcrc.service.workshop import LineDispatch
from tests.conftest import login
from tests.factories import (
    UserFactory,
    make_confirmed_order,
    make_customer,
    make_tool,
    make_vehicle,
)


@pytest.fixture
def order(car_a, advisor_a, oil_change):
    return make_confirmed_order(
        car_a, advisor_a, [oil_change], promised_at=timezone.now() + datetime.timedelta(hours=4)
    )


@pytest.fixture
def sales_a(dealer_a):
    return UserFactory(username="sales_a", role="sales_consultant", dealers=[dealer_a])


def dispatched(order, by, station, technician):
    workshop.repair_order_dispatch(
        order=order,
        by=by,
        lines=[
            LineDispatch(line=line, station=station, technician=technician)
            for line in order.job_lines.all()
        ],
    )
    order.refresh_from_db()
    return order


# --- kanban ----------------------------------------------------------------------------------


def test_the_kanban_shows_every_vehicle_in_the_workshop(client, dispatcher_a, order, quick_bay):
    response = login(client, dispatcher_a).get(reverse("service:workshop_kanban"))
    assert response.status_code == 200
    html = response.content.decode()
    assert order.number in html and "粤A12345" in html
    assert 'hx-trigger="every 15s"' in html
    assert "快保工位1" in html  # hours per station


def test_the_kanban_partial_refreshes_and_filters_by_station(
    client, dispatcher_a, order, quick_bay, technician_a, dealer_a
):
    other = make_station_b(dealer_a)
    dispatched(order, dispatcher_a, quick_bay, technician_a)
    login(client, dispatcher_a)
    url = reverse("service:workshop_kanban")
    response = client.get(url, {"station": quick_bay.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="kanban-board"')
    assert order.number in html
    assert f"?station={quick_bay.pk}" in html  # the refresh keeps the filter
    html = client.get(url, {"station": other.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert order.number not in html


def make_station_b(dealer):
    return Station.objects.create(dealer=dealer, code="P9", name="喷漆房", kind="paint")


def test_a_late_vehicle_is_red(client, dispatcher_a, car_a, advisor_a, oil_change):
    late = make_confirmed_order(
        car_a, advisor_a, [oil_change], promised_at=timezone.now() - datetime.timedelta(hours=1)
    )
    html = login(client, dispatcher_a).get(reverse("service:workshop_kanban")).content.decode()
    assert late.number in html
    assert "border-danger" in html and 'data-testid="kanban-late"' in html


def _shop(dealer, advisor, labour_items, count):
    for _ in range(count):
        vehicle = make_vehicle(make_customer(dealer))
        make_confirmed_order(vehicle, advisor, labour_items)


def test_the_kanban_reads_with_a_constant_number_of_queries(
    client,
    dispatcher_a,
    dealer_a,
    advisor_a,
    oil_change,
    brake_job,
    quick_bay,
    technician_a,
    qc_a,
    django_assert_num_queries,
):
    login(client, dispatcher_a)
    url = reverse("service:workshop_kanban")
    _shop(dealer_a, advisor_a, [oil_change], 1)
    dispatched(
        workshop.workshop_orders(user=dispatcher_a).get(), dispatcher_a, quick_bay, technician_a
    )
    client.get(url, HTTP_HX_REQUEST="true")  # warm: session, content types
    # session + user + dealers, stations, orders, job lines, quality checks, people's names
    with django_assert_num_queries(8):
        client.get(url, HTTP_HX_REQUEST="true")
    _shop(dealer_a, advisor_a, [oil_change, brake_job], 6)
    for order in workshop.workshop_orders(user=dispatcher_a).filter(state="confirmed")[:3]:
        dispatched(order, dispatcher_a, quick_bay, technician_a)
    with django_assert_num_queries(8):
        response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.content.decode().count('data-testid="kanban-card"') == 7
    with django_assert_num_queries(8):
        client.get(url, {"station": quick_bay.pk}, HTTP_HX_REQUEST="true")


def test_the_kanban_shows_only_the_users_dealer(client, advisor_b, order):
    html = login(client, advisor_b).get(reverse("service:workshop_kanban")).content.decode()
    assert order.number not in html


def test_the_kanban_refuses_a_role_without_service_view(client, sales_a):
    assert login(client, sales_a).get(reverse("service:workshop_kanban")).status_code == 403


# --- an order's dispatch ------------------------------------------------------------------


def _dispatch_data(order, station, technician, **extra):
    data = {}
    for line in order.job_lines.all():
        prefix = f"line-{line.pk}-"
        data |= {
            f"{prefix}dispatch": "on",
            f"{prefix}station": station.pk,
            f"{prefix}technician": technician.pk,
            f"{prefix}planned_hours": "1.5",
            f"{prefix}planned_start": "",
            f"{prefix}planned_end": "",
            f"{prefix}equipment_needed": "举升机",
        }
    return data | extra


def test_the_dispatcher_dispatches_an_order_from_its_page(
    client, dispatcher_a, order, quick_bay, technician_a
):
    login(client, dispatcher_a)
    page = client.get(reverse("service:workshop_order", args=[order.pk]))
    assert page.status_code == 200 and 'data-testid="dispatch-row"' in page.content.decode()
    response = client.post(
        reverse("service:workshop_dispatch", args=[order.pk]),
        _dispatch_data(order, quick_bay, technician_a),
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.DISPATCHED
    line = order.job_lines.get()
    assert (line.technician, line.planned_hours) == (technician_a, Decimal("1.5"))


def test_a_bad_dispatch_answers_with_messages_on_the_row(
    client, dispatcher_a, order, quick_bay, dealer_a
):
    stranger = UserFactory(username="tech_z", role="technician", dealers=[dealer_a])
    line = order.job_lines.get()
    data = _dispatch_data(order, quick_bay, stranger)
    data[f"line-{line.pk}-planned_hours"] = "abc"
    login(client, dispatcher_a)
    response = client.post(reverse("service:workshop_dispatch", args=[order.pk]), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "invalid-feedback" in html
    order.refresh_from_db()
    assert order.state == OrderState.CONFIRMED


def test_the_service_refusal_lands_on_the_row(
    client, dispatcher_a, order, quick_bay, dealer_a, technician_a
):
    # A technician of the dealer who is not at the station: the form lists the station's
    # people only, so the refusal comes from the form's choices.
    login(client, dispatcher_a)
    line = order.job_lines.get()
    data = _dispatch_data(order, quick_bay, technician_a)
    data[f"line-{line.pk}-planned_start"] = "2026-12-03T10:00"
    data[f"line-{line.pk}-planned_end"] = "2026-12-03T09:00"
    response = client.post(reverse("service:workshop_dispatch", args=[order.pk]), data)
    assert response.status_code == 422
    assert "计划结束" in response.content.decode() or "end must come" in response.content.decode()


def test_a_technician_may_not_dispatch(client, technician_a, order, quick_bay):
    login(client, technician_a)
    response = client.post(
        reverse("service:workshop_dispatch", args=[order.pk]),
        _dispatch_data(order, quick_bay, technician_a),
    )
    assert response.status_code == 403


def test_another_dealers_order_is_not_found(client, advisor_b, dispatcher_a, order, dealer_b):
    dispatcher_b = UserFactory(username="dispatcher_b", role="dispatcher", dealers=[dealer_b])
    login(client, dispatcher_b)
    assert client.get(reverse("service:workshop_order", args=[order.pk])).status_code == 404
    assert client.post(reverse("service:workshop_dispatch", args=[order.pk]), {}).status_code == 404


# --- my jobs: start and finish --------------------------------------------------------------


def test_the_technician_starts_and_finishes_from_my_jobs(
    client, technician_a, dispatcher_a, order, quick_bay
):
    dispatched(order, dispatcher_a, quick_bay, technician_a)
    line = order.job_lines.get()
    login(client, technician_a)
    page = client.get(reverse("service:workshop_my_jobs"))
    assert page.status_code == 200 and 'data-testid="job-start"' in page.content.decode()
    response = client.post(
        reverse("service:workshop_line_start", args=[line.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and 'data-testid="job-finish"' in response.content.decode()
    response = client.post(reverse("service:workshop_line_finish", args=[line.pk]))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.QC
    assert JobLine.objects.get(pk=line.pk).state == JobState.DONE


def test_a_refused_start_answers_in_the_card(client, technician_a, order):
    line = order.job_lines.get()  # not dispatched yet
    login(client, technician_a)
    response = client.post(
        reverse("service:workshop_line_start", args=[line.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422 and "alert-danger" in response.content.decode()


def test_an_advisor_has_no_jobs_page(client, advisor_a):
    assert login(client, advisor_a).get(reverse("service:workshop_my_jobs")).status_code == 403


def test_another_dealers_line_is_not_found(client, advisor_b, order, dealer_b):
    tech_b = UserFactory(username="tech_b", role="technician", dealers=[dealer_b])
    line = order.job_lines.get()
    response = login(client, tech_b).post(reverse("service:workshop_line_start", args=[line.pk]))
    assert response.status_code == 404


# --- QC ----------------------------------------------------------------------------------------


@pytest.fixture
def finished(order, dispatcher_a, quick_bay, technician_a):
    dispatched(order, dispatcher_a, quick_bay, technician_a)
    line = order.job_lines.get()
    workshop.job_line_start(line=line, by=technician_a)
    workshop.job_line_finish(line=line, by=technician_a)
    order.refresh_from_db()
    return order


def test_the_inspector_passes_an_order(client, qc_a, finished):
    login(client, qc_a)
    assert finished.number in client.get(reverse("service:workshop_qc_list")).content.decode()
    page = client.get(reverse("service:workshop_qc", args=[finished.pk]))
    assert page.status_code == 200
    response = client.post(
        reverse("service:workshop_qc", args=[finished.pk]),
        {"result": "pass", "checklist": list(QcItem.values), "penalty": "0"},
    )
    assert response.status_code == 302
    finished.refresh_from_db()
    assert finished.state == OrderState.READY


def test_a_fail_without_reason_shows_chinese_field_errors(client, qc_a, finished):
    login(client, qc_a)
    response = client.post(
        reverse("service:workshop_qc", args=[finished.pk]),
        {"result": "fail", "rework_owner": "", "penalty": "-5"},
    )
    assert response.status_code == 422
    assert not QualityCheck.objects.exists()


def test_a_fail_sends_the_order_to_rework(client, qc_a, finished, technician_a):
    login(client, qc_a)
    response = client.post(
        reverse("service:workshop_qc", args=[finished.pk]),
        {
            "result": "fail",
            "checklist": ["car_clean"],
            "rework_reason": "机油液位偏低",
            "rework_owner": technician_a.pk,
            "penalty": "20",
        },
    )
    assert response.status_code == 302
    finished.refresh_from_db()
    assert finished.state == OrderState.REWORK


def test_an_advisor_may_not_inspect(client, advisor_a, finished):
    login(client, advisor_a)
    assert client.get(reverse("service:workshop_qc", args=[finished.pk])).status_code == 403
    assert client.get(reverse("service:workshop_qc_list")).status_code == 403


# --- tools ----------------------------------------------------------------------------------


def test_tools_are_checked_out_and_in(client, dispatcher_a, dealer_a, technician_a, order):
    tool = make_tool(dealer_a, name="扭力扳手 40–200 N·m")
    login(client, dispatcher_a)
    response = client.post(
        reverse("service:workshop_tool_checkout", args=[tool.pk]),
        {"holder": technician_a.pk, "order": order.pk},
    )
    assert response.status_code == 302
    checkout = ToolCheckout.objects.get()
    assert (checkout.holder, checkout.order) == (technician_a, order)
    page = client.get(reverse("service:workshop_tools")).content.decode()
    assert 'data-testid="tool-checkin"' in page
    client.post(
        reverse("service:workshop_tool_checkin", args=[checkout.pk]), {"condition_note": "完好"}
    )
    checkout.refresh_from_db()
    assert checkout.in_at is not None and checkout.condition_note == "完好"


def test_an_overdue_tool_is_red(client, dispatcher_a, dealer_a, technician_a):
    tool = make_tool(dealer_a)
    past = timezone.now() - datetime.timedelta(hours=10)
    workshop.tool_checkout(
        tool=tool,
        holder=technician_a,
        by=dispatcher_a,
        at=past,
        due_back_at=past + datetime.timedelta(hours=2),
    )
    html = login(client, dispatcher_a).get(reverse("service:workshop_tools")).content.decode()
    assert 'data-testid="overdue"' in html and "table-danger" in html


def test_the_tools_page_reads_with_fixed_queries(
    client, dispatcher_a, dealer_a, technician_a, django_assert_num_queries
):
    login(client, dispatcher_a)
    for _ in range(2):
        workshop.tool_checkout(tool=make_tool(dealer_a), holder=technician_a, by=dispatcher_a)
    client.get(reverse("service:workshop_tools"))
    with django_assert_num_queries(7):
        client.get(reverse("service:workshop_tools"))
    for _ in range(4):
        workshop.tool_checkout(tool=make_tool(dealer_a), holder=technician_a, by=dispatcher_a)
        make_tool(dealer_a)
    with django_assert_num_queries(7):
        client.get(reverse("service:workshop_tools"))


def test_a_technician_may_not_lend_tools(client, technician_a, dealer_a):
    tool = make_tool(dealer_a)
    login(client, technician_a)
    assert client.get(reverse("service:workshop_tools")).status_code == 200
    response = client.post(
        reverse("service:workshop_tool_checkout", args=[tool.pk]), {"holder": technician_a.pk}
    )
    assert response.status_code == 403


def test_another_dealers_tool_is_not_found(client, dealer_b, dealer_a, dispatcher_a):
    tool = make_tool(dealer_b)
    response = login(client, dispatcher_a).post(
        reverse("service:workshop_tool_checkout", args=[tool.pk]), {"holder": dispatcher_a.pk}
    )
    assert response.status_code == 404


# --- configuration ------------------------------------------------------------------------


def test_the_manager_creates_a_station(client, service_manager_a, technician_a, dealer_a):
    login(client, service_manager_a)
    assert client.get(reverse("service:workshop_stations")).status_code == 200
    response = client.post(
        reverse("service:workshop_station_new"),
        {
            "code": "J3",
            "name": "机修工位3",
            "kind": "mechanical",
            "bays": "2",
            "team_lead": service_manager_a.pk,
            "technicians": [technician_a.pk],
            "active": "on",
        },
    )
    assert response.status_code == 302
    station = Station.objects.get(code="J3")
    assert list(station.technicians.all()) == [technician_a]


def test_a_bad_station_shows_chinese_field_errors(client, service_manager_a, quick_bay):
    login(client, service_manager_a)
    response = client.post(
        reverse("service:workshop_station_new"),
        {"code": quick_bay.code, "name": "", "kind": "x", "bays": "0"},
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert {"name", "kind", "bays"} <= set(form.errors)
    assert "这个字段是必填项" in str(form.errors["name"]) or "required" in str(form.errors["name"])
    # A duplicate code comes back from the service.
    response = client.post(
        reverse("service:workshop_station_new"),
        {"code": quick_bay.code, "name": "重复", "kind": "paint", "bays": "1"},
    )
    assert response.status_code == 422 and "code" in response.context["form"].errors


def test_the_labour_catalogue_is_listed_and_edited(client, service_manager_a, oil_change):
    login(client, service_manager_a)
    page = client.get(reverse("service:workshop_labour"), {"q": "机油"})
    assert page.status_code == 200 and oil_change.code in page.content.decode()
    response = client.post(
        reverse("service:workshop_labour_edit", args=[oil_change.pk]),
        {
            "code": "M001",
            "name": "更换机油机滤",
            "work_type": "maintenance",
            "standard_hours": "0.6",
            "rate": "190",
            "active": "on",
        },
    )
    assert response.status_code == 302
    oil_change.refresh_from_db()
    assert (oil_change.standard_hours, oil_change.rate) == (Decimal("0.60"), Decimal("190.00"))


def test_bad_labour_numbers_answer_on_their_fields(client, service_manager_a, dealer_a):
    login(client, service_manager_a)
    response = client.post(
        reverse("service:workshop_labour_new"),
        {
            "code": "X1",
            "name": "x",
            "work_type": "maintenance",
            "standard_hours": "-1",
            "rate": "1e9",
        },
    )
    assert response.status_code == 422
    assert {"standard_hours", "rate"} <= set(response.context["form"].errors)
    assert not LabourItem.objects.filter(code="X1").exists()


def test_the_dispatcher_may_not_configure(client, dispatcher_a, oil_change):
    login(client, dispatcher_a)
    assert client.get(reverse("service:workshop_stations")).status_code == 403
    assert client.get(reverse("service:workshop_labour")).status_code == 403


def test_another_dealers_station_is_not_found(client, service_manager_a, dealer_b):
    station = make_station_b(dealer_b)
    login(client, service_manager_a)
    assert (
        client.get(reverse("service:workshop_station_edit", args=[station.pk])).status_code == 404
    )
