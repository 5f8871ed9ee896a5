"""Repair orders over the API: the list with filters, one order with lines and totals;
tenancy, masking, audit, and the endpoints fuzzed against their schema."""

# The after-sales fixtures are imported, which test parameters then name again.
# ruff: noqa: F811

from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from dcrc.api.schemas import BIGINT_MAX
from dcrc.core.choices import AccessAction
from dcrc.core.models import ApiToken, PersonalDataAccess
from dcrc.core.services import api_token_create
from dcrc.customers.choices import VisitType
from dcrc.service import orders
from dcrc.wsgi import application
from tests.api.test_schema import same_connection_for_wsgi  # noqa: F401 - fixture
from tests.factories import make_customer, make_vehicle
from tests.service.conftest import (  # noqa: F401 - fixtures
    car_a,
    oil_change,
    oil_filter,
    order_a,
    warehouse_a,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled_order(order_a, advisor_a, oil_change, oil_filter):
    orders.job_line_add(order=order_a, labour_item=oil_change, by=advisor_a)
    orders.part_line_add(order=order_a, part=oil_filter, quantity=Decimal("2"), by=advisor_a)
    order_a.refresh_from_db()
    return order_a


def test_it_documents_the_endpoints(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/repair-orders", "/api/repair-orders/{order_id}"} <= set(paths)


def test_it_lists_orders_of_the_user_s_dealer_only(api, advisor_a, advisor_b, filled_order):
    other = orders.repair_order_open(
        vehicle=make_vehicle(make_customer(advisor_b.dealers.get())),
        by=advisor_b,
        odometer=10,
        customer_description="保养",
        visit_type=VisitType.PERIODIC_MAINTENANCE,
    )
    page = api(advisor_a).get("/repair-orders").json()
    assert page["count"] == 1
    item = page["items"][0]
    assert item["number"] == filled_order.number
    assert item["vehicle"]["plate"] == "粤A12345"
    assert item["customer"]["mobile"] != "13800138000"  # masked by default
    assert item["total"] == "226.00"
    assert api(advisor_a).get(f"/repair-orders/{other.pk}").status_code == 404


def test_it_filters_the_list(api, advisor_a, filled_order):
    client = api(advisor_a)
    assert client.get("/repair-orders", {"state": "open"}).json()["count"] == 1
    assert client.get("/repair-orders", {"state": "released"}).json()["count"] == 0
    assert client.get("/repair-orders", {"in_shop": "false"}).json()["count"] == 0
    assert client.get("/repair-orders", {"q": "A12345"}).json()["count"] == 1
    assert client.get("/repair-orders", {"q": filled_order.number}).json()["count"] == 1
    assert client.get("/repair-orders", {"advisor_id": advisor_a.pk}).json()["count"] == 1
    assert client.get("/repair-orders", {"state": "bogus"}).status_code == 422
    assert client.get("/repair-orders", {"opened_from": "0001-01-01"}).status_code == 422


def test_it_shows_one_order_with_lines_and_totals(api, advisor_a, filled_order):
    detail = api(advisor_a).get(f"/repair-orders/{filled_order.pk}").json()
    assert [line["code"] for line in detail["job_lines"]] == ["M001"]
    assert [line["quantity"] for line in detail["part_lines"]] == ["2.00"]
    totals = detail["totals"]
    assert (totals["labour_amount"], totals["parts_amount"], totals["total"]) == (
        "90.00",
        "136.00",
        "226.00",
    )
    assert detail["customer"]["phone_masked"] is True


def test_it_unmasks_for_the_advisor_and_logs_the_read(api, advisor_a, technician_a, filled_order):
    detail = api(advisor_a).get(f"/repair-orders/{filled_order.pk}", {"unmask": "true"}).json()
    assert detail["customer"]["mobile"] == "13800138000"
    access = PersonalDataAccess.objects.get(object_type="repair_order")
    assert access.action == AccessAction.API_READ
    assert api(technician_a).get("/repair-orders", {"unmask": "true"}).status_code == 403
    assert api(technician_a).get("/repair-orders").status_code == 200


def test_it_refuses_roles_outside_after_sales(api, dealer_a):
    from dcrc.core.choices import Role
    from tests.factories import UserFactory

    sales = UserFactory(username="sales_a", role=Role.SALES_CONSULTANT, dealers=[dealer_a])
    assert api(sales).get("/repair-orders").status_code == 403


def test_it_lists_in_constant_queries(api, advisor_a, dealer_a, django_assert_max_num_queries):
    client = api(advisor_a)
    for index in range(2):
        orders.repair_order_open(
            vehicle=make_vehicle(make_customer(dealer_a)),
            by=advisor_a,
            odometer=index,
            customer_description="保养",
            visit_type=VisitType.PERIODIC_MAINTENANCE,
        )
    with django_assert_max_num_queries(8) as few:
        client.get("/repair-orders")
    for index in range(5):
        orders.repair_order_open(
            vehicle=make_vehicle(make_customer(dealer_a)),
            by=advisor_a,
            odometer=index,
            customer_description="保养",
            visit_type=VisitType.PERIODIC_MAINTENANCE,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/repair-orders").json()["count"] == 7


# --- fuzzing --------------------------------------------------------------------------------

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
    path_regex="^/api/repair-orders"
)
ADVISOR_KEY = "dcrc_fuzzing-advisor-key"


@schema.auth(refresh_interval=None)
class AdvisorToken:
    def get(self, case, context):
        return ADVISOR_KEY

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def order_rows(filled_order, advisor_a):
    token, _ = api_token_create(user=advisor_a, name="fuzz")
    ApiToken.objects.filter(pk=token.pk).update(digest=ApiToken.digest_of(ADVISOR_KEY))
    return {"order_id": filled_order.pk}


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_it_answers_generated_order_requests_without_server_errors(
    case,
    order_rows,
    same_connection_for_wsgi,  # noqa: F811
):
    for name, value in (case.path_parameters or {}).items():
        valid = isinstance(value, int) and 0 < value <= BIGINT_MAX
        if name in order_rows and valid and value % 2 == 0:
            case.path_parameters[name] = order_rows[name]
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
