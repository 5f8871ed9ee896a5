"""The demo's complaints: three months that look real, made through the services, loaded once."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from dcrc.complaints.choices import Escalation, State
from dcrc.complaints.models import Complaint

pytestmark = pytest.mark.django_db


def test_it_loads_three_months_of_realistic_complaints_once():
    call_command("demo_load", customers=6)
    count = Complaint.objects.count()
    call_command("demo_load", customers=6)
    assert Complaint.objects.count() == count
    assert set(Complaint.objects.values_list("dealer__code", flat=True)) == {"A001", "A002", "B001"}

    now = timezone.now()
    closed = Complaint.objects.filter(state=State.CLOSED)
    assert closed.count() >= 10
    assert not closed.filter(root_cause="").exists()
    assert Complaint.objects.overdue(now).exists()
    assert Complaint.objects.filter(reopen_count__gt=0).exists()
    safety = Complaint.objects.get(escalation=Escalation.ON_SITE, important_flags=["safety"])
    assert safety.state == State.CLOSED and safety.regional_owner.username == "oem"
    assert Complaint.objects.filter(is_important=True).count() >= 3
    assert Complaint.objects.filter(contact_task__isnull=False).exists()
    assert Complaint.objects.filter(inbound_call__isnull=False).exists()
    oldest = Complaint.objects.order_by("registered_at").first().registered_at
    assert (now - oldest).days >= 60
    assert not Complaint.objects.filter(registered_at__gt=now).exists()
