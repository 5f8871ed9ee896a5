"""Complaint personas: dealer A's handlers, its general manager, the manufacturer's CRC, and a
customer with a serviced car. Complaints are made through the intake service, as users do."""

import datetime

import pytest
from django.utils import timezone

from dcrc.care.defaults import care_defaults_ensure
from dcrc.complaints import choices
from dcrc.complaints.services import complaint_register
from dcrc.core.choices import Role
from tests.factories import UserFactory, make_customer, make_vehicle

# A Monday morning in Asia/Shanghai, inside office hours, no holiday near.
MONDAY_10 = timezone.make_aware(datetime.datetime(2026, 11, 16, 10, 0))


@pytest.fixture
def care_a(dealer_a):
    care_defaults_ensure(dealer_id=dealer_a.pk)
    return dealer_a


@pytest.fixture
def general_manager_a(dealer_a):
    return UserFactory(
        username="gm_a",
        role=Role.GENERAL_MANAGER,
        dealers=[dealer_a],
        email="gm@a.example",
        mobile="13900000001",
    )


@pytest.fixture
def service_manager_a(dealer_a):
    return UserFactory(username="svcmgr_a", role=Role.SERVICE_MANAGER, dealers=[dealer_a])


@pytest.fixture
def manufacturer_crc(maker, dealer_a, dealer_b):
    """The manufacturer's CRC: every dealer of the maker, but only their escalations."""
    return UserFactory(
        username="oem_crc", role=Role.MANUFACTURER_CRC, manufacturer=maker, email="crc@oem.example"
    )


@pytest.fixture
def customer_a(care_a):
    return make_customer(care_a, name="张伟", mobile="13800138000")


@pytest.fixture
def vehicle_a(customer_a):
    return make_vehicle(customer_a, plate="粤A12345", purchase_date=datetime.date(2025, 5, 10))


def register(dealer, by, **fields):
    """A complaint with sensible defaults, through the intake service."""
    values = {
        "channel": choices.Channel.HOTLINE,
        "category": choices.Category.REPAIR_QUALITY,
        "department": choices.Department.WORKSHOP,
        "subject": "保养后发动机异响",
        "description": "客户反映上周保养后发动机有异响。",
        "at": MONDAY_10,
    }
    values.update(fields)
    return complaint_register(dealer=dealer, by=by, **values)


@pytest.fixture
def complaint_a(care_a, cr_manager_a, customer_a, vehicle_a):
    return register(care_a, cr_manager_a, customer=customer_a, vehicle=vehicle_a)
