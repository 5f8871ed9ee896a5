"""A user never sees another dealer's rows: every archive view answers 404 for them."""

import pytest
from django.urls import reverse

from dcrc.core.models import PersonalDataAccess
from tests.factories import make_customer, make_vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive_a(dealer_a):
    customer = make_customer(dealer_a, name="张三", mobile="13812345678")
    return customer, make_vehicle(customer, plate="粤A12345")


def _urls(customer, vehicle):
    return [
        ("get", reverse("customers:detail", args=[customer.pk])),
        ("get", reverse("customers:edit", args=[customer.pk])),
        ("get", reverse("customers:merge", args=[customer.pk])),
        ("get", reverse("customers:photo", args=[customer.pk])),
        ("post", reverse("customers:reveal", args=[customer.pk, "mobile"])),
        ("get", reverse("customers:vehicle_create", args=[customer.pk])),
        ("get", reverse("customers:visit_create", args=[customer.pk])),
        ("get", reverse("customers:vehicle_edit", args=[vehicle.pk])),
        ("get", reverse("customers:vehicle_transfer", args=[vehicle.pk])),
        ("get", reverse("customers:mileage_correct", args=[vehicle.pk])),
    ]


@pytest.mark.parametrize("index", range(10))
def test_it_answers_404_for_another_dealers_rows(client, agent_b, archive_a, index):
    agent_b.role = "archive_admin"  # even the most privileged dealer role
    agent_b.save()
    method, url = _urls(*archive_a)[index]
    client.force_login(agent_b)
    assert getattr(client, method)(url).status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_it_never_lists_or_finds_another_dealers_customers(client, agent_b, archive_a):
    customer, _ = archive_a
    link = reverse("customers:detail", args=[customer.pk])
    client.force_login(agent_b)
    assert link not in client.get(reverse("customers:list")).content.decode()
    for query in ("张三", "zs", "5678", "粤A12345", "A12345"):
        page = client.get(reverse("customers:list"), {"q": query}).content.decode()
        assert link not in page and customer.owner_code not in page, query
    picker = client.get(reverse("customers:picker"), {"q": "zs"}).content.decode()
    assert "张三" not in picker


def test_it_cannot_transfer_to_another_dealers_customer(client, agent_a, archive_a, dealer_b):
    stranger = make_customer(dealer_b)
    _, vehicle = archive_a
    client.force_login(agent_a)
    response = client.post(
        reverse("customers:vehicle_transfer", args=[vehicle.pk]),
        {"new_owner": stranger.pk, "date": "2024-01-01"},
    )
    assert response.status_code == 200
    assert "new_owner" in response.context["form"].errors


def test_it_lets_a_regional_manager_see_only_the_region(
    client, regional_manager, archive_a, dealer_b
):
    northern = make_customer(dealer_b, name="北方客户")
    customer, _ = archive_a
    client.force_login(regional_manager)
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    assert client.get(reverse("customers:detail", args=[northern.pk])).status_code == 404


def test_it_lets_a_group_manager_see_the_group_dealers(client, group_manager, archive_a, dealer_b):
    customer, _ = archive_a
    outside = make_customer(dealer_b)
    client.force_login(group_manager)
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    assert client.get(reverse("customers:detail", args=[outside.pk])).status_code == 404


def test_it_ignores_a_dealer_switch_to_a_foreign_dealer(client, agent_b, archive_a, dealer_a):
    client.force_login(agent_b)
    client.post(reverse("switch_dealer"), {"dealer": dealer_a.pk})
    assert "张三" not in client.get(reverse("customers:list")).content.decode()


def test_it_lists_all_group_dealers_when_asked(client, group_manager, archive_a, dealer_a):
    customer, _ = archive_a
    client.force_login(group_manager)
    client.post(reverse("switch_dealer"), {"dealer": "all"})
    page = client.get(reverse("customers:list")).content.decode()
    assert reverse("customers:detail", args=[customer.pk]) in page
    assert str(dealer_a) in page  # the dealer column appears when several dealers show
