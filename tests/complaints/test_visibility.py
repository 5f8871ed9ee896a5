"""Tenancy: dealers see their own complaints; manufacturer staff only their dealers' escalations."""

import pytest

from dcrc.complaints.choices import Action, ImportantFlag
from dcrc.complaints.models import Complaint
from dcrc.complaints.services import complaint_move
from tests.complaints.conftest import register
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def test_it_shows_a_manufacturer_user_only_the_escalations_of_its_dealers(
    care_a, dealer_b, cr_manager_a, customer_a, regional_manager, manufacturer_crc, agent_b
):
    from dcrc.care.defaults import care_defaults_ensure

    care_defaults_ensure(dealer_id=dealer_b.pk)
    quiet = register(care_a, cr_manager_a, customer=customer_a)
    important = register(
        care_a, cr_manager_a, customer=customer_a, important_flags=[ImportantFlag.GOVERNMENT]
    )
    escalated = register(care_a, cr_manager_a, customer=customer_a)
    complaint_move(complaint=escalated, action=Action.ESCALATE_CRC, by=cr_manager_a, note="升级")
    north = register(
        dealer_b,
        agent_b,
        customer=make_customer(dealer_b, name="赵六", mobile="13600000000"),
        important_flags=[ImportantFlag.MEDIA],
    )

    def visible(user):
        return set(Complaint.objects.visible_to(user))

    assert visible(cr_manager_a) == {quiet, important, escalated}
    assert visible(agent_b) == {north}
    assert visible(regional_manager) == {important, escalated}  # 华南 only
    assert visible(manufacturer_crc) == {important, escalated, north}
    assert visible(regional_manager) & {quiet} == set()
