"""Lists and records cost a fixed number of queries, whatever the number of rows (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_customer, make_vehicle

pytestmark = pytest.mark.django_db

# The token and its user, the user's dealers, then the endpoint's own reads. Asking for
# unmasked numbers adds the access-log entry (role permissions are rules, no query).
ENDPOINTS = [
    ("/customers", {}, 5),  # + count, page, their vehicles
    ("/customers", {"unmask": "true"}, 6),
    ("/customers", {"q": "张"}, 5),  # + one search-key range, page, their vehicles
    ("/search", {"q": "zhang"}, 7),  # pinyin, initials and plate ranges
    ("/customers", {"dealer": "A001", "page_size": 100}, 6),  # + the dealer
    ("/vehicles", {}, 4),  # + count, page with dealers and owners
    ("/vehicles", {"q": "张"}, 5),  # + owners' search, their vehicles, the page
]


def _archive(dealer, size):
    for number in range(size):
        customer = make_customer(dealer, name=f"张{'一二三四五六七八九十'[number % 10]}{number}")
        make_vehicle(customer)
        make_vehicle(customer)


def _count(client, path, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


@pytest.mark.parametrize(("path", "params", "limit"), ENDPOINTS)
def test_it_reads_a_list_in_constant_queries(
    api, agent_a, dealer_a, path, params, limit, django_assert_num_queries
):
    client = api(agent_a)
    client.get("/me")  # records the token's first use, which later calls skip
    _archive(dealer_a, 5)
    small, body = _count(client, path, params)
    assert len(body["items"]) >= 5
    _archive(dealer_a, 25)
    with django_assert_num_queries(limit):
        large, body = _count(client, path, params)
    assert len(body["items"]) >= 20
    assert small == large


def test_it_reads_a_customer_in_constant_queries(api, agent_a, dealer_a):
    client = api(agent_a)
    client.get("/me")
    customer = make_customer(dealer_a)
    make_vehicle(customer)
    small, _ = _count(client, f"/customers/{customer.pk}", {"unmask": "true"})
    for _ in range(10):
        make_vehicle(customer)
    large, body = _count(client, f"/customers/{customer.pk}", {"unmask": "true"})
    assert len(body["vehicles"]) == 11
    assert small == large == 6  # + vehicles, ownerships, log
