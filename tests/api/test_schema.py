"""The OpenAPI schema, the docs page, and the API fuzzed against its own schema (schemathesis)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from dcrc.api.schemas import BIGINT_MAX
from dcrc.complaints.services import complaint_register
from dcrc.core.models import ApiToken
from dcrc.core.services import api_token_create
from dcrc.wsgi import application
from tests.factories import make_customer, make_vehicle


def test_it_serves_the_openapi_schema(client, db):
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "DCRC API"
    assert {
        "/api/customers",
        "/api/customers/{customer_id}",
        "/api/vehicles",
        "/api/search",
        "/api/complaints",
        "/api/complaints/{complaint_id}",
        "/api/complaints/{complaint_id}/moves",
    } <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }
    kind = schema["components"]["schemas"]["CustomerCreateIn"]["properties"]["kind"]
    assert kind["enum"] == ["individual", "company", "fleet", "public"]
    assert "name_pinyin" not in schema["components"]["schemas"]["CustomerDetailOut"]["properties"]


def test_it_serves_the_docs_page_without_a_cdn(client, db):
    page = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "https://" not in page
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-init.js"):
        assert Client().get(f"/static/ninja/{asset}").status_code == 200, asset


# --- fuzzing -------------------------------------------------------------------------------


@pytest.fixture
def same_connection_for_wsgi(db):
    """Keep the test's database connection through WSGI requests.

    Schemathesis calls the WSGI application in this thread, so requests see the test's
    transaction; but Django closes "old" connections when a request starts and ends, which
    inside a transaction would break the test (its own test client disconnects the same
    handler).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Loaded through the application, as a client would (the schema endpoint needs no database).
# A fixture-loaded schema (schemathesis.pytest.from_fixture) would be neater but fails on
# pytest 9 (it sets the private Function._nodeid).
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
# Schemathesis builds some cases (its coverage phase) while collecting, before any fixture
# runs: the persona's key is therefore fixed here and given to its token in fuzz_rows.
FUZZ_KEY = "dcrc_fuzzing-persona-key"


@schema.auth(refresh_interval=None)
class PersonaToken:
    """The fuzzing persona's token, so that schemathesis knows the requests are authenticated."""

    def get(self, case, context):
        return FUZZ_KEY

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def fuzz_rows(agent_a, dealer_a, dealer_b):
    """A DCRC agent (may edit, may unmask phones, may register complaints) with a few
    customers, vehicles and complaints."""
    rows = {}
    for name in ("张三", "李四", "王五"):
        customer = make_customer(dealer_a, name=name)
        rows["customer_id"] = customer.pk
        rows["vehicle_id"] = make_vehicle(customer).pk
        rows["complaint_id"] = complaint_register(
            dealer=dealer_a,
            by=agent_a,
            channel="hotline",
            category="repair_quality",
            department="workshop",
            subject="保养后异响",
            description="客户称保养后有异响。",
            customer=customer,
        ).pk
    make_vehicle(make_customer(dealer_b, name="赵六"))
    token, _ = api_token_create(user=agent_a, name="fuzz")
    ApiToken.objects.filter(pk=token.pk).update(digest=ApiToken.digest_of(FUZZ_KEY))
    return rows


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_it_answers_generated_requests_without_server_errors(
    case, fuzz_rows, same_connection_for_wsgi
):
    # Half of the generated valid ids point at real rows, so writes reach the services too.
    # (Invalid ids stay: an id made valid here would be a negative case the API accepted.)
    for name, value in (case.path_parameters or {}).items():
        valid = isinstance(value, int) and 0 < value <= BIGINT_MAX
        if name in fuzz_rows and valid and value % 2 == 0:
            case.path_parameters[name] = fuzz_rows[name]
    # Schema-valid input may still be refused with 422 (a VIN's check digit, a landline in the
    # mobile field, an unknown dealer): the services know more than a schema can say.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])


# The complaints again, as a handler (a CR manager) who may move them: the moves then reach
# the state machine and its refusals (409) instead of stopping at the permission (403).
handler_schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
    path_regex="^/api/complaints"
)
HANDLER_KEY = "dcrc_fuzzing-handler-key"


@handler_schema.auth(refresh_interval=None)
class HandlerToken:
    def get(self, case, context):
        return HANDLER_KEY

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def handler_rows(cr_manager_a, dealer_a):
    rows = {}
    for name in ("张三", "李四"):
        rows["complaint_id"] = complaint_register(
            dealer=dealer_a,
            by=cr_manager_a,
            channel="hotline",
            category="repair_quality",
            department="workshop",
            subject="保养后异响",
            description="客户称保养后有异响。",
            customer=make_customer(dealer_a, name=name),
        ).pk
    token, _ = api_token_create(user=cr_manager_a, name="fuzz")
    ApiToken.objects.filter(pk=token.pk).update(digest=ApiToken.digest_of(HANDLER_KEY))
    return rows


@handler_schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_it_answers_a_handler_s_generated_complaint_requests_without_server_errors(
    case, handler_rows, same_connection_for_wsgi
):
    for name, value in (case.path_parameters or {}).items():
        valid = isinstance(value, int) and 0 < value <= BIGINT_MAX
        if name in handler_rows and valid and value % 2 == 0:
            case.path_parameters[name] = handler_rows[name]
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
