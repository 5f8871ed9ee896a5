"""Complaints over the API: list with filters, one with its log, intake, moves; tenancy, audit."""

# The complaint personas are imported fixtures, which test parameters then name again.
# ruff: noqa: F811

import pytest

from dcrc.complaints import choices
from dcrc.complaints.models import Complaint
from dcrc.core.choices import AccessAction
from dcrc.core.models import PersonalDataAccess
from tests.api.conftest import field_errors
from tests.complaints.conftest import (  # noqa: F401 - fixtures
    care_a,
    customer_a,
    manufacturer_crc,
    register,
    vehicle_a,
)
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

NEW = {
    "category": "repair_quality",
    "department": "workshop",
    "subject": "保养后异响",
    "description": "客户称保养后怠速有异响。",
}


@pytest.fixture
def complaints_a(care_a, cr_manager_a, customer_a, vehicle_a):
    plain = register(care_a, cr_manager_a, customer=customer_a, vehicle=vehicle_a)
    important = register(
        care_a,
        cr_manager_a,
        customer=customer_a,
        category=choices.Category.PRODUCT_QUALITY,
        severity=choices.Severity.CRITICAL,
        important_flags=[choices.ImportantFlag.SAFETY],
        contact_phone="13800138000",
    )
    return plain, important


def test_it_lists_complaints_newest_first_with_masked_phones(api, cr_manager_a, complaints_a):
    body = api(cr_manager_a).get("/complaints").json()
    assert body["count"] == 2
    first = body["items"][0]
    assert first["id"] == complaints_a[1].pk
    assert first["contact_phone"] == "138****8000" and first["phone_masked"]
    assert first["plate"] == "" and body["items"][1]["plate"] == "粤A12345"
    assert first["dealer"]["code"] == "A001"


def test_it_filters_the_list(api, cr_manager_a, complaints_a):
    client = api(cr_manager_a)
    ids = lambda **p: [c["id"] for c in client.get("/complaints", p).json()["items"]]  # noqa: E731
    plain, important = complaints_a
    assert ids(important="true") == [important.pk]
    assert ids(escalated="false") == [plain.pk]
    assert ids(severity="critical") == [important.pk]
    assert ids(category="repair_quality") == [plain.pk]
    assert ids(state="registered") == [important.pk, plain.pk]
    assert ids(registered_from="2026-11-16", registered_to="2026-11-16") == [important.pk, plain.pk]
    assert ids(registered_from="2026-11-17") == []
    assert ids(page_size=1, page=2) == [plain.pk]


def test_it_refuses_bad_filters_with_422(api, cr_manager_a, complaints_a):
    response = api(cr_manager_a).get("/complaints", {"state": "nonsense"})
    assert "state" in field_errors(response)


@pytest.mark.parametrize(
    "params", [{"registered_from": "0001-01-01"}, {"registered_to": "9999-12-31"}]
)
def test_it_refuses_filter_dates_out_of_range_with_422(api, cr_manager_a, complaints_a, params):
    response = api(cr_manager_a).get("/complaints", params)
    assert set(field_errors(response)) == set(params)


def test_it_shows_one_complaint_with_its_log_and_possible_moves(api, cr_manager_a, complaints_a):
    body = api(cr_manager_a).get(f"/complaints/{complaints_a[1].pk}").json()
    assert [e["action"] for e in body["events"]] == ["register", "escalate_crc"]
    assert "acknowledge" in body["actions"]
    assert body["description"] and body["escalation"] == "manufacturer_crc"


def test_it_answers_404_for_another_dealer_s_complaint(api, agent_b, complaints_a):
    assert api(agent_b).get(f"/complaints/{complaints_a[0].pk}").status_code == 404
    assert api(agent_b).get("/complaints").json()["count"] == 0


def test_it_shows_the_manufacturer_escalated_complaints_only(api, manufacturer_crc, complaints_a):
    client = api(manufacturer_crc)
    body = client.get("/complaints").json()
    assert [c["id"] for c in body["items"]] == [complaints_a[1].pk]
    assert client.get(f"/complaints/{complaints_a[0].pk}").status_code == 404


def test_it_logs_unmasked_reads(api, cr_manager_a, complaints_a):
    body = api(cr_manager_a).get("/complaints", {"unmask": "true"}).json()
    assert body["items"][0]["contact_phone"] == "13800138000"
    access = PersonalDataAccess.objects.get()
    assert access.action == AccessAction.API_READ and access.object_type == "complaint"
    assert access.row_count == 2


def test_it_refuses_unmasking_to_a_role_without_the_permission(api, manufacturer_crc, complaints_a):
    assert api(manufacturer_crc).get("/complaints", {"unmask": "true"}).status_code == 403


def test_it_registers_a_complaint_from_an_external_system(api, agent_a, care_a, vehicle_a):
    response = api(agent_a).post("/complaints", {**NEW, "vehicle_plate": "粤A 12345"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == "api" and body["state"] == "registered"
    complaint = Complaint.objects.get(pk=body["id"])
    assert complaint.vehicle == vehicle_a and complaint.customer == vehicle_a.owner
    assert complaint.registered_by == agent_a


def test_it_registers_a_caller_without_an_archive_record(api, agent_a, care_a):
    body = {**NEW, "contact_name": "陈女士", "contact_phone": "138 0013 8000"}
    response = api(agent_a).post("/complaints", body)
    assert response.status_code == 201, response.content
    assert Complaint.objects.get().contact_phone == "13800138000"


def test_it_escalates_an_important_complaint_at_once(api, agent_a, care_a, customer_a):
    body = {**NEW, "customer_id": customer_a.pk, "important_flags": ["safety"]}
    response = api(agent_a).post("/complaints", body)
    assert response.json()["escalation"] == "manufacturer_crc"


def test_it_answers_422_per_field_on_bad_intake(api, agent_a, care_a, dealer_b):
    client = api(agent_a)
    assert "customer" in field_errors(client.post("/complaints", NEW))
    other = make_customer(dealer_b, name="外店客户")
    errors = field_errors(client.post("/complaints", {**NEW, "customer_id": other.pk}))
    assert "customer_id" in errors
    errors = field_errors(client.post("/complaints", {**NEW, "vehicle_plate": "XYZ"}))
    assert "vehicle_plate" in errors
    errors = field_errors(client.post("/complaints", {**NEW, "category": "x", "subject": ""}))
    assert {"category", "subject"} <= set(errors)
    errors = field_errors(client.post("/complaints", {**NEW, "dealer": "B001"}))
    assert "dealer" in errors


def test_it_refuses_intake_to_a_role_that_may_not_register(api, technician_a, care_a):
    assert api(technician_a).post("/complaints", NEW).status_code == 403


def test_it_moves_a_complaint_through_the_service(api, cr_manager_a, complaints_a):
    client = api(cr_manager_a)
    url = f"/complaints/{complaints_a[0].pk}/moves"
    response = client.post(url, {"action": "acknowledge"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "acknowledged"
    assert response.json()["first_response_at"]


def test_it_answers_409_to_a_move_the_state_does_not_allow(api, cr_manager_a, complaints_a):
    response = api(cr_manager_a).post(
        f"/complaints/{complaints_a[0].pk}/moves", {"action": "close"}
    )
    assert response.status_code == 409
    assert "not possible" in response.json()["detail"]


def test_it_answers_422_when_a_move_lacks_what_it_needs(api, cr_manager_a, complaints_a):
    client = api(cr_manager_a)
    url = f"/complaints/{complaints_a[0].pk}/moves"
    assert "note" in field_errors(client.post(url, {"action": "escalate_crc"}))
    client.post(url, {"action": "acknowledge"})
    client.post(url, {"action": "investigate"})
    assert "solution" in field_errors(client.post(url, {"action": "propose"}))
    assert "action" in field_errors(client.post(url, {"action": "register"}))


def test_it_lets_only_handlers_move_and_only_their_dealer_s(api, agent_a, agent_b, complaints_a):
    url = f"/complaints/{complaints_a[0].pk}/moves"
    assert api(agent_a).post(url, {"action": "acknowledge"}).status_code == 403
    assert api(agent_b).post(url, {"action": "acknowledge"}).status_code == 404


def test_it_lists_in_a_constant_number_of_queries(
    api,
    cr_manager_a,
    complaints_a,
    care_a,
    customer_a,
    django_assert_num_queries,
):
    client = api(cr_manager_a)
    client.get("/complaints")
    # token, its last use is fresh; user's dealers, permission, count, page
    with django_assert_num_queries(4):
        client.get("/complaints")
    for _n in range(5):
        register(care_a, cr_manager_a, customer=customer_a)
    with django_assert_num_queries(4):
        assert client.get("/complaints").json()["count"] == 7


def test_it_escalates_to_a_person_of_the_manufacturer_only(
    api, cr_manager_a, regional_manager, complaints_a
):
    client = api(cr_manager_a)
    url = f"/complaints/{complaints_a[0].pk}/moves"
    move = {"action": "escalate_regional", "note": "需区域协助"}
    assert "owner" in field_errors(client.post(url, {**move, "owner": cr_manager_a.pk}))
    response = client.post(url, {**move, "owner": regional_manager.pk})
    assert response.status_code == 200, response.content
    assert response.json()["escalation"] == "regional"
    assert Complaint.objects.get(pk=complaints_a[0].pk).regional_owner == regional_manager
