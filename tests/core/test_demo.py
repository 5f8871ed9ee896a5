"""`make demo` loads the demo data; running it again changes nothing."""

import pytest
from django.core.management import call_command

from dcrc.core.models import Dealer, User
from dcrc.customers.models import Customer, ServiceVisit, Vehicle

pytestmark = pytest.mark.django_db


def _counts():
    return [m.objects.count() for m in (Dealer, User, Customer, Vehicle, ServiceVisit)]


def test_it_loads_the_demo_once(capsys):
    call_command("demo_load", customers=6)
    first = _counts()
    call_command("demo_load", customers=6)
    assert _counts() == first
    assert first[2] == 18  # 6 customers in each of the three dealers
    assert "demo1234" in capsys.readouterr().out
    agent = User.objects.get(username="agent")
    assert agent.check_password("demo1234")
    assert {d.code for d in Dealer.objects.filter(id__in=agent.dealer_ids)} == {"A001"}
    oem = User.objects.get(username="oem")
    assert {d.code for d in Dealer.objects.filter(id__in=oem.dealer_ids)} == {"A001", "A002"}
