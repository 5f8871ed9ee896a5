"""Test personas reused by every test: two dealers and the people who work there."""

import pytest

from dcrc.core.choices import Role
from tests.factories import DealerFactory, DealerGroupFactory, ManufacturerFactory, UserFactory


@pytest.fixture
def maker(db):
    return ManufacturerFactory(name="一汽-大众")


@pytest.fixture
def group(db):
    return DealerGroupFactory(name="广汽汽车集团")


@pytest.fixture
def dealer_a(maker, group):
    return DealerFactory(
        code="A001",
        name="广州一汽大众4S店",
        short_name="广州店",
        manufacturer=maker,
        group=group,
        region="华南",
    )


@pytest.fixture
def dealer_b(maker):
    return DealerFactory(
        code="B001", name="北京一汽大众4S店", short_name="北京店", manufacturer=maker, region="华北"
    )


@pytest.fixture
def agent_a(dealer_a):
    return UserFactory(username="agent_a", role=Role.DCRC_AGENT, dealers=[dealer_a])


@pytest.fixture
def cr_manager_a(dealer_a):
    return UserFactory(username="crm_a", role=Role.CR_MANAGER, dealers=[dealer_a])


@pytest.fixture
def archive_admin_a(dealer_a):
    return UserFactory(username="archive_a", role=Role.ARCHIVE_ADMIN, dealers=[dealer_a])


@pytest.fixture
def technician_a(dealer_a):
    return UserFactory(username="tech_a", role=Role.TECHNICIAN, dealers=[dealer_a])


@pytest.fixture
def advisor_a(dealer_a):
    return UserFactory(
        username="advisor_a",
        display_name="服务顾问李明",
        role=Role.SERVICE_ADVISOR,
        dealers=[dealer_a],
    )


@pytest.fixture
def dispatcher_a(dealer_a):
    return UserFactory(username="dispatcher_a", role=Role.DISPATCHER, dealers=[dealer_a])


@pytest.fixture
def qc_a(dealer_a):
    return UserFactory(username="qc_a", role=Role.QC_INSPECTOR, dealers=[dealer_a])


@pytest.fixture
def warehouse_keeper_a(dealer_a):
    return UserFactory(username="warehouse_a", role=Role.WAREHOUSE_KEEPER, dealers=[dealer_a])


@pytest.fixture
def cashier_a(dealer_a):
    return UserFactory(username="cashier_a", role=Role.CASHIER, dealers=[dealer_a])


@pytest.fixture
def service_manager_a(dealer_a):
    return UserFactory(username="svcmgr_a", role=Role.SERVICE_MANAGER, dealers=[dealer_a])


@pytest.fixture
def advisor_b(dealer_b):
    return UserFactory(username="advisor_b", role=Role.SERVICE_ADVISOR, dealers=[dealer_b])


@pytest.fixture
def agent_b(dealer_b):
    return UserFactory(username="agent_b", role=Role.DCRC_AGENT, dealers=[dealer_b])


@pytest.fixture
def regional_manager(maker, dealer_a, dealer_b):
    """A manufacturer user: sees the maker's dealers of the 华南 region only."""
    return UserFactory(
        username="oem_south", role=Role.REGIONAL_MANAGER, manufacturer=maker, region="华南"
    )


@pytest.fixture
def group_manager(group, dealer_a, dealer_b):
    return UserFactory(username="group_mgr", role=Role.GROUP_MANAGER, dealer_group=group)


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Personas log in through the form in browser tests; PBKDF2 would cost ~0.3 s per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
