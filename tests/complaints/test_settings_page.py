"""The complaint settings page: deadlines in range, the current dealer only, managers only."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dcrc.complaints.models import ComplaintSettings
from dcrc.complaints.settings_services import complaint_settings_update
from dcrc.core.choices import Role
from dcrc.core.middleware import SESSION_KEY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/complaints/settings/"

VALID = {
    "business_hours_start": "08:00",
    "business_hours_end": "20:00",
    "first_response_hours": "12",
    "resolution_hours_low": "168",
    "resolution_hours_medium": "72",
    "resolution_hours_high": "36",
    "resolution_hours_critical": "8",
    "large_loss_amount": "20000",
    "manufacturer_email": "crc@oem.example",
    "notify_by_email": "on",
}


def test_it_shows_the_defaults_without_writing_them(client, cr_manager_a, dealer_a):
    client.force_login(cr_manager_a)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["form"]["first_response_hours"].value() == 24
    assert not ComplaintSettings.objects.exists()


def test_it_saves_the_settings(client, cr_manager_a, dealer_a):
    client.force_login(cr_manager_a)
    response = client.post(URL, VALID)
    assert response.status_code == 302
    settings = ComplaintSettings.objects.get(dealer=dealer_a)
    assert settings.first_response_hours == 12
    assert settings.resolution_hours_critical == 8
    assert settings.large_loss_amount == Decimal("20000")
    assert settings.notify_by_email and not settings.notify_by_sms
    assert (settings.business_hours_start.hour, settings.business_hours_end.hour) == (8, 20)


@pytest.mark.parametrize(
    "field, value",
    [
        ("first_response_hours", "0"),
        ("resolution_hours_low", "721"),
        ("resolution_hours_high", "abc"),
        ("large_loss_amount", "-5"),
        ("manufacturer_email", "not an address"),
        ("business_hours_end", "07:00"),
        ("business_hours_start", "25:00"),
    ],
)
def test_it_refuses_bad_values_on_their_field(client, cr_manager_a, dealer_a, field, value):
    client.force_login(cr_manager_a)
    response = client.post(URL, VALID | {field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not ComplaintSettings.objects.exists()


def test_it_names_the_range_of_hours(client, cr_manager_a, dealer_a):
    client.force_login(cr_manager_a)
    response = client.post(URL, VALID | {"first_response_hours": "1000"})
    assert "1" in response.context["form"].errors["first_response_hours"][0]
    assert "720" in response.context["form"].errors["first_response_hours"][0]


def test_it_refuses_people_who_may_not_configure(client, agent_a, service_manager_a):
    for user in (agent_a, service_manager_a):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, VALID).status_code == 403


def test_it_asks_to_choose_a_dealer_first(client, dealer_a, dealer_b):
    manager = UserFactory(username="gm_ab", role=Role.GENERAL_MANAGER, dealers=[dealer_a, dealer_b])
    client.force_login(manager)
    session = client.session
    session[SESSION_KEY] = "all"
    session.save()
    response = client.get(URL)
    assert b"settings-choose-dealer" in response.content
    assert client.post(URL, VALID).status_code == 200
    assert not ComplaintSettings.objects.exists()
    session[SESSION_KEY] = dealer_b.pk
    session.save()
    client.post(URL, VALID)
    assert ComplaintSettings.objects.get().dealer_id == dealer_b.pk


def test_the_service_checks_the_range_itself(cr_manager_a, dealer_a):
    with pytest.raises(ValidationError) as error:
        complaint_settings_update(dealer=dealer_a, by=cr_manager_a, first_response_hours=0)
    assert "first_response_hours" in error.value.message_dict
    settings = complaint_settings_update(dealer=dealer_a, by=cr_manager_a, first_response_hours=6)
    assert settings.first_response_hours == 6 and settings.resolution_hours_medium == 72
