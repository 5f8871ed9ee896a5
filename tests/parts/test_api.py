"""The parts catalogue over the API: search with stock, one part, roles, tenancy, fuzzing."""

from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from dcrc.api.schemas import BIGINT_MAX
from dcrc.core.models import ApiToken
from dcrc.core.services import api_token_create
from dcrc.parts.reservations import appointment_part_reserve
from dcrc.wsgi import application
from tests.api.test_schema import same_connection_for_wsgi  # noqa: F401 (fixture)
from tests.conftest import login


def test_it_searches_parts_with_their_stock(client, advisor_a, oil_filter, engine_oil):
    login(client, advisor_a)
    body = client.get("/api/parts", {"q": "机油"}).json()
    assert body["count"] == 2
    body = client.get("/api/parts", {"q": "06L1"}).json()
    (part,) = body["results"]
    assert (part["code"], part["on_hand"], part["available"]) == ("06L115562B", "20.00", "20.00")


def test_it_shows_reserved_stock_as_not_available(
    client, advisor_a, oil_filter, appointment_a, warehouse_keeper_a
):
    appointment_part_reserve(
        appointment=appointment_a, part=oil_filter, quantity=Decimal("3"), by=warehouse_keeper_a
    )
    login(client, advisor_a)
    part = client.get(f"/api/parts/{oil_filter.pk}").json()
    assert (part["reserved"], part["available"]) == ("3.00", "17.00")
    assert part["stock"] == [
        {"warehouse_code": "MAIN", "warehouse_name": "主仓库", "bin": "A-01-01", "on_hand": "20.00"}
    ]
    assert part["movements"][0]["kind"] == "receive"


def test_it_answers_403_without_parts_access_and_404_for_another_dealer(
    client, cashier_a, advisor_a, part_b
):
    login(client, cashier_a)
    assert client.get("/api/parts").status_code == 403
    login(client, advisor_a)
    assert client.get(f"/api/parts/{part_b.pk}").status_code == 404
    assert client.get("/api/parts", {"dealer": "B001"}).status_code == 422


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application).include(
    path_regex="^/api/parts"
)
KEEPER_KEY = "dcrc_fuzzing-keeper-key"


@schema.auth(refresh_interval=None)
class KeeperToken:
    def get(self, case, context):
        return KEEPER_KEY

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def keeper_rows(warehouse_keeper_a, oil_filter, engine_oil):
    token, _ = api_token_create(user=warehouse_keeper_a, name="fuzz")
    ApiToken.objects.filter(pk=token.pk).update(digest=ApiToken.digest_of(KEEPER_KEY))
    return {"part_id": oil_filter.pk}


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_it_answers_generated_parts_requests_without_server_errors(
    case,
    keeper_rows,
    same_connection_for_wsgi,  # noqa: F811
):
    for name, value in (case.path_parameters or {}).items():
        valid = isinstance(value, int) and 0 < value <= BIGINT_MAX
        if name in keeper_rows and valid and value % 2 == 0:
            case.path_parameters[name] = keeper_rows[name]
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
