"""The home page sends the after-sales staff to the screen their day starts on."""

import pytest

from tests.conftest import login


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("advisor_a", "/service/orders/desk/"),
        ("dispatcher_a", "/service/workshop/"),
        ("technician_a", "/service/workshop/my/"),
        ("qc_a", "/service/workshop/qc/"),
        ("warehouse_keeper_a", "/parts/requisitions/"),
        ("cashier_a", "/service/cashier/"),
    ],
)
def test_it_sends_after_sales_staff_to_their_screen(client, request, persona, url):
    login(client, request.getfixturevalue(persona))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == url
    assert client.get(url).status_code == 200


def test_it_shows_the_archive_figures_to_the_dcrc(client, agent_a):
    login(client, agent_a)
    response = client.get("/")
    assert response.status_code == 200
    assert "figures" in response.context
