"""Contact-center personas: dealers with their default rules, a customer and a serviced car."""

import datetime

import pytest

from dcrc.care.defaults import care_defaults_ensure
from dcrc.core.choices import Role
from tests.factories import UserFactory, make_customer, make_vehicle


@pytest.fixture
def care_a(dealer_a):
    """Dealer A with its default contact rules."""
    care_defaults_ensure(dealer_id=dealer_a.pk)
    return dealer_a


@pytest.fixture
def care_b(dealer_b):
    care_defaults_ensure(dealer_id=dealer_b.pk)
    return dealer_b


@pytest.fixture
def agent_a2(dealer_a):
    """A second agent of dealer A, to race the first one for tasks."""
    return UserFactory(username="agent_a2", role=Role.DCRC_AGENT, dealers=[dealer_a])


@pytest.fixture
def customer_a(care_a):
    return make_customer(care_a, name="张伟", mobile="13800138000")


@pytest.fixture
def vehicle_a(customer_a):
    return make_vehicle(customer_a, purchase_date=datetime.date(2025, 5, 10))
