"""Vehicles over the API: list, search, get, create for an owner, update."""

import pytest

from dcrc.customers.models import Vehicle, VehicleOwnership
from tests.api.conftest import field_errors
from tests.factories import make_customer, make_vehicle, random_vin

pytestmark = pytest.mark.django_db

VIN = "LSVAU218XN2183294"  # a valid check digit
BAD_CHECK_DIGIT = VIN[:8] + "5" + VIN[9:]


@pytest.fixture
def zhang(dealer_a):
    return make_customer(dealer_a, name="张三", mobile="13812345678")


@pytest.fixture
def passat(zhang):
    return make_vehicle(zhang, vin=VIN, plate="粤A12345")


def test_it_creates_a_vehicle_for_its_owner(api, agent_a, zhang):
    response = api(agent_a).post(
        f"/customers/{zhang.pk}/vehicles",
        {
            "vin": " lsvau218xn2183294 ",
            "plate": "粤b 12345",
            "brand": "大众",
            "purchase_date": "2024-03-01",
            "purchase_price": "189900.00",
            "displacement": 1.4,
            "purchase_mileage": 12,
            "fuel_type": "petrol",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["vin"], body["plate"], body["owner"]["id"]) == (VIN, "粤B12345", zhang.pk)
    assert (body["purchase_price"], body["displacement"], body["mileage"]) == (
        "189900.00",
        "1.4",
        12,
    )
    vehicle = Vehicle.objects.get()
    assert vehicle.dealer_id == zhang.dealer_id
    assert VehicleOwnership.objects.get(vehicle=vehicle).customer == zhang


def test_it_answers_422_for_a_bad_vin_or_plate(api, agent_a, zhang):
    client = api(agent_a)
    errors = field_errors(
        client.post(f"/customers/{zhang.pk}/vehicles", {"vin": BAD_CHECK_DIGIT, "plate": "粤12345"})
    )
    assert "check digit" in errors["vin"][0]
    assert errors["plate"] == ["Enter a valid plate number, e.g. 京A12345 or 粤BD12345."]
    errors = field_errors(
        client.post(
            f"/customers/{zhang.pk}/vehicles",
            {"vin": VIN, "purchase_mileage": -1, "displacement": "12.34", "model_year": 1850},
        )
    )
    assert set(errors) == {"purchase_mileage", "displacement", "model_year"}
    assert not Vehicle.objects.exists()


def test_it_answers_422_for_a_vin_already_in_the_archive(api, agent_a, zhang, passat):
    errors = field_errors(api(agent_a).post(f"/customers/{zhang.pk}/vehicles", {"vin": VIN}))
    assert errors == {"vin": ["A vehicle with this VIN is already in the archive."]}


def test_it_lists_and_gets_vehicles(api, agent_a, passat, zhang):
    client = api(agent_a)
    body = client.get("/vehicles").json()
    assert [item["id"] for item in body["items"]] == [passat.pk]
    assert body["items"][0]["owner"] == {
        "id": zhang.pk,
        "owner_code": zhang.owner_code,
        "name": "张三",
    }
    assert body["items"][0]["dealer"]["code"] == "A001"
    assert client.get(f"/vehicles/{passat.pk}").json()["vin"] == VIN


def test_it_finds_the_vehicle_by_plate_and_the_owners_vehicles_by_phone(
    api, agent_a, zhang, passat
):
    second = make_vehicle(zhang, plate="粤A99999")
    client = api(agent_a)
    for query in ("粤A12345", "A12345", VIN[-6:], VIN):
        ids = [item["id"] for item in client.get("/vehicles", {"q": query}).json()["items"]]
        assert ids == [passat.pk], query
    ids = [item["id"] for item in client.get("/vehicles", {"q": "5678"}).json()["items"]]
    assert ids == [passat.pk, second.pk]


def test_it_updates_only_the_given_fields(api, agent_a, passat):
    response = api(agent_a).patch(
        f"/vehicles/{passat.pk}", {"plate": "粤ad12345", "body_colour": "白", "insurer": None}
    )
    assert response.status_code == 200, response.content
    passat.refresh_from_db()
    assert (passat.plate, passat.body_colour, passat.vin) == ("粤AD12345", "白", VIN)


def test_it_refuses_read_only_and_unknown_fields(api, agent_a, passat):
    response = api(agent_a).patch(f"/vehicles/{passat.pk}", {"mileage": 99, "colour": "白"})
    assert set(field_errors(response)) == {"mileage", "colour"}
    passat.refresh_from_db()
    assert passat.mileage == 0


def test_it_answers_404_for_another_dealers_vehicle(api, agent_b, passat):
    client = api(agent_b)
    assert client.get(f"/vehicles/{passat.pk}").status_code == 404
    assert client.patch(f"/vehicles/{passat.pk}", {"body_colour": "黑"}).status_code == 404
    assert client.get("/vehicles").json()["items"] == []
    passat.refresh_from_db()
    assert passat.body_colour == ""


def test_it_refuses_vehicle_updates_to_a_technician(api, technician_a, passat):
    response = api(technician_a).patch(f"/vehicles/{passat.pk}", {"body_colour": "黑"})
    assert response.status_code == 403


def test_it_keeps_vins_unique_per_dealer_on_update(api, agent_a, zhang, passat):
    other = make_vehicle(zhang, vin=random_vin())
    errors = field_errors(api(agent_a).patch(f"/vehicles/{other.pk}", {"vin": VIN}))
    assert errors == {"vin": ["A vehicle with this VIN is already in the archive."]}
