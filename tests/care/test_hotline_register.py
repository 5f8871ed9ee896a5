"""The call register's services: lookup by number, the reply deadline, overdue, reply, close."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dcrc.care import hotline
from dcrc.care.calendar import care_settings
from dcrc.care.choices import InboundKind, InboundState, InboundType
from dcrc.care.models import InboundCall
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def family(care_a):
    """Two customers of dealer A sharing a home number."""
    husband = make_customer(care_a, name="李强", mobile="13911112222", home_phone="02088886666")
    wife = make_customer(care_a, name="王芳", mobile="13933334444", home_phone="020-8888 6666")
    return husband, wife


def test_it_finds_the_customer_by_mobile_home_or_office_number(care_a, customer_a):
    office = make_customer(care_a, name="赵敏", mobile="13700001111", office_phone="075588889999")
    assert hotline.customers_by_phone(dealer_id=care_a.pk, phone="138 0013 8000") == [customer_a]
    assert hotline.customers_by_phone(dealer_id=care_a.pk, phone="+86 13800138000") == [customer_a]
    assert hotline.customers_by_phone(dealer_id=care_a.pk, phone="0755-8888 9999") == [office]


def test_it_matches_exact_numbers_only(care_a, customer_a):
    # A tail of the number is a search, not a caller id.
    assert hotline.customers_by_phone(dealer_id=care_a.pk, phone="38000") == []
    assert hotline.customers_by_phone(dealer_id=care_a.pk, phone="3800138000") == []
    assert hotline.customers_by_phone(dealer_id=care_a.pk, phone="") == []


def test_it_never_finds_another_dealers_customer(care_a, care_b, customer_a):
    make_customer(care_b, name="北京客户", mobile="13800138000")
    found = hotline.customers_by_phone(dealer_id=care_a.pk, phone="13800138000")
    assert [c.dealer_id for c in found] == [care_a.pk]


def test_it_links_the_call_to_the_only_customer_and_vehicle_with_the_number(
    care_a, customer_a, vehicle_a, agent_a
):
    call = hotline.inbound_call_register(
        dealer=care_a, phone="13800138000", received_at=at(23, 10), by=agent_a
    )
    assert (call.customer, call.vehicle) == (customer_a, vehicle_a)
    assert call.caller_name == customer_a.name
    assert call.handler == agent_a
    assert call.phone == "13800138000"


def test_it_leaves_several_matches_for_the_agent_to_pick(care_a, family, agent_a):
    call = hotline.inbound_call_register(
        dealer=care_a, phone="02088886666", received_at=at(23, 10), by=agent_a
    )
    assert call.customer is None
    assert len(hotline.customers_by_phone(dealer_id=care_a.pk, phone=call.phone)) == 2
    wife = family[1]
    picked = hotline.inbound_call_update(call=call, customer=wife)
    assert picked.customer == wife


def test_it_respects_the_agents_none_of_these(care_a, customer_a, agent_a):
    call = hotline.inbound_call_register(
        dealer=care_a, phone="13800138000", received_at=at(23, 10), link_by_phone=False
    )
    assert call.customer is None


def test_it_takes_the_owner_from_the_vehicle_and_refuses_mismatches(
    care_a, care_b, customer_a, vehicle_a
):
    call = hotline.inbound_call_register(dealer=care_a, vehicle=vehicle_a, received_at=at(23, 9))
    assert call.customer == customer_a
    other = make_customer(care_a, name="钱七", mobile="13600001111")
    with pytest.raises(ValidationError) as error:
        hotline.inbound_call_register(
            dealer=care_a, customer=other, vehicle=vehicle_a, received_at=at(23, 9)
        )
    assert "vehicle" in error.value.message_dict
    foreign = make_customer(care_b, name="孙八", mobile="13600002222")
    with pytest.raises(ValidationError) as error:
        hotline.inbound_call_register(dealer=care_a, customer=foreign, received_at=at(23, 9))
    assert "customer" in error.value.message_dict


def test_it_keeps_a_withheld_or_foreign_number_as_given(care_a):
    call = hotline.inbound_call_register(dealer=care_a, phone="+44 20 7946 0958")
    assert call.phone == "442079460958"
    assert call.customer is None


def test_it_sets_the_reply_deadline_from_the_dealers_settings(care_a):
    call = hotline.inbound_call_register(dealer=care_a, phone="13500000000", received_at=at(23, 9))
    assert call.reply_deadline == at(24, 9)
    settings = care_settings(care_a.pk)
    settings.reply_deadline_hours = 4
    settings.save()
    call = hotline.inbound_call_register(
        dealer=care_a, kind=InboundKind.VOICEMAIL, phone="13500000000", received_at=at(23, 22)
    )
    assert call.reply_deadline == at(24, 2)


def test_it_refuses_a_call_from_the_future(care_a):
    with pytest.raises(ValidationError) as error:
        hotline.inbound_call_register(
            dealer=care_a, received_at=timezone.now() + datetime.timedelta(hours=1)
        )
    assert "received_at" in error.value.message_dict


def test_it_flags_open_calls_past_their_deadline(care_a, agent_a):
    old = hotline.inbound_call_register(dealer=care_a, phone="13500000001", received_at=at(20, 9))
    recent = hotline.inbound_call_register(
        dealer=care_a, phone="13500000002", received_at=at(21, 8)
    )
    replied = hotline.inbound_call_register(
        dealer=care_a, phone="13500000003", received_at=at(20, 8)
    )
    replied = hotline.inbound_call_reply(call=replied, by=agent_a, at=at(20, 10))
    now = at(22, 8, 30)  # old's deadline (21st 09:00) has passed, recent's (22nd 08:00) too
    overdue = hotline.inbound_calls(user=agent_a, dealer=care_a, overdue=True, now=now)
    assert set(overdue) == {old, recent}
    assert hotline.inbound_overdue_count(user=agent_a, dealer=care_a, now=at(21, 12)) == 1
    assert hotline.is_overdue(old, now) and not hotline.is_overdue(replied, now)


def test_it_records_who_replied_and_when(care_a, agent_a):
    call = hotline.inbound_call_register(dealer=care_a, phone="13500000001", received_at=at(23, 9))
    replied = hotline.inbound_call_reply(
        call=call, by=agent_a, result="已回电，约明早到店", at=at(23, 11)
    )
    assert replied.state == InboundState.REPLIED
    assert (replied.replied_at, replied.replied_by) == (at(23, 11), agent_a)
    assert replied.result == "已回电，约明早到店"
    with pytest.raises(ValidationError):
        hotline.inbound_call_reply(call=replied, by=agent_a)


def test_it_refuses_a_reply_before_the_call(care_a, agent_a):
    call = hotline.inbound_call_register(dealer=care_a, phone="13500000001", received_at=at(23, 9))
    with pytest.raises(ValidationError) as error:
        hotline.inbound_call_reply(call=call, by=agent_a, at=at(23, 8))
    assert "replied_at" in error.value.message_dict


def test_it_closes_a_call_without_reply_only_with_a_reason(care_a, agent_a):
    call = hotline.inbound_call_register(dealer=care_a, phone="13500000001")
    with pytest.raises(ValidationError) as error:
        hotline.inbound_call_close(call=call, by=agent_a)
    assert "result" in error.value.message_dict
    closed = hotline.inbound_call_close(call=call, by=agent_a, result="打错电话")
    assert closed.state == InboundState.CLOSED
    assert not hotline.is_overdue(closed, timezone.now() + datetime.timedelta(days=3))


def test_it_summarises_overdue_and_soon_due_calls_for_the_manager(care_a, cr_manager_a):
    now = at(23, 12)
    for hour in (1, 2):
        hotline.inbound_call_register(
            dealer=care_a, phone=f"1350000000{hour}", received_at=at(22, hour)
        )
    hotline.inbound_call_register(
        dealer=care_a,
        phone="13500000009",
        call_type=InboundType.RESCUE,
        received_at=at(22, 14),
    )
    summary = hotline.inbound_reply_summary(user=cr_manager_a, dealer=care_a, now=now)
    assert summary["overdue"] == 2
    assert summary["due_soon"] == 1
    assert summary["open"] == 3
    assert [c.received_at for c in summary["oldest"]] == [at(22, 1), at(22, 2)]
    assert InboundCall.objects.count() == 3
