"""The call register screens: quick registration, lookup, list filters, reply, tenancy."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dcrc.care import hotline
from dcrc.care.choices import InboundState, InboundType
from dcrc.care.models import InboundCall
from dcrc.core.choices import Role
from dcrc.core.middleware import SESSION_KEY
from tests.factories import UserFactory, make_customer, make_vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture
def call_a(care_a, customer_a, vehicle_a):
    return hotline.inbound_call_register(
        dealer=care_a,
        phone="13800138000",
        content="询问保养价格",
        received_at=timezone.now() - datetime.timedelta(hours=30),
    )


@pytest.fixture
def call_b(care_b):
    return hotline.inbound_call_register(dealer=care_b, phone="13900001111", content="北京来电")


def test_it_registers_a_call_from_the_quick_form(client, agent_a, customer_a, vehicle_a):
    client.force_login(agent_a)
    assert client.get(reverse("care:call_create")).status_code == 200
    response = client.post(
        reverse("care:call_create"),
        {
            "phone": "138-0013-8000",
            "call_type": InboundType.APPOINTMENT,
            "kind": "call",
            "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "customer": customer_a.pk,
            "vehicle": vehicle_a.pk,
            "content": "预约明天上午保养",
        },
    )
    call = InboundCall.objects.get()
    assert response.status_code == 302 and response.url == call.get_absolute_url()
    assert (call.customer, call.vehicle, call.handler) == (customer_a, vehicle_a, agent_a)
    assert call.call_type == InboundType.APPOINTMENT
    assert call.reply_deadline - call.received_at == datetime.timedelta(hours=24)


def test_it_shows_field_errors_instead_of_saving_bad_input(client, agent_a, care_a):
    client.force_login(agent_a)
    future = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("care:call_create"),
        {"phone": "", "call_type": "nonsense", "kind": "call", "received_at": future},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"phone", "call_type", "received_at"}
    assert not InboundCall.objects.exists()


def test_it_refuses_another_dealers_customer_in_the_form(client, agent_a, care_a, care_b):
    foreign = make_customer(care_b, mobile="13611112222")
    client.force_login(agent_a)
    response = client.post(
        reverse("care:call_create"),
        {
            "phone": "13611112222",
            "call_type": "consultation",
            "kind": "call",
            "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "customer": foreign.pk,
        },
    )
    assert "customer" in response.context["form"].errors
    assert not InboundCall.objects.exists()


def test_it_looks_the_caller_up_as_the_number_is_typed(client, agent_a, customer_a, vehicle_a):
    client.force_login(agent_a)
    response = client.get(
        reverse("care:call_lookup"), {"phone": "13800138000"}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert f'data-customer="{customer_a.pk}"' in page
    assert f'value="{vehicle_a.pk}"' in page
    response = client.get(reverse("care:call_lookup"), {"phone": "13999999999"})
    assert 'data-testid="no-match"' in response.content.decode()


def test_it_lists_the_matches_of_a_shared_number_to_pick_from(client, agent_a, care_a):
    first = make_customer(care_a, home_phone="02088886666")
    second = make_customer(care_a, home_phone="02088886666")
    client.force_login(agent_a)
    page = client.get(reverse("care:call_lookup"), {"phone": "020-88886666"}).content.decode()
    assert f'data-customer="{first.pk}"' in page and f'data-customer="{second.pk}"' in page


def test_it_lists_calls_with_the_overdue_filter(client, agent_a, call_a, care_a):
    fresh = hotline.inbound_call_register(dealer=care_a, phone="13500000000")
    client.force_login(agent_a)
    listed = client.get(reverse("care:calls")).context["page"].object_list
    assert list(listed) == [fresh, call_a]
    overdue = client.get(reverse("care:calls"), {"overdue": "1"}).context["page"].object_list
    assert list(overdue) == [call_a]
    page = client.get(reverse("care:calls"), {"overdue": "1"}, headers={"HX-Request": "true"})
    assert page.templates[0].name == "care/hotline/partials/call_rows.html"
    assert 'data-testid="overdue"' in page.content.decode()
    by_type = client.get(reverse("care:calls"), {"type": "rescue", "state": "bogus"})
    assert list(by_type.context["page"].object_list) == []
    by_phone = client.get(reverse("care:calls"), {"phone": "135 0000 0000"})
    assert list(by_phone.context["page"].object_list) == [fresh]


def test_it_lists_calls_in_a_fixed_number_of_queries(
    client, agent_a, care_a, django_assert_num_queries
):
    def add_calls(count):
        for _ in range(count):
            customer = make_customer(care_a)
            make_vehicle(customer)
            hotline.inbound_call_register(dealer=care_a, phone=customer.mobile)

    client.force_login(agent_a)
    add_calls(2)
    client.get(reverse("care:calls"))  # warm the session and content types
    # session, user, dealers, count, page (with customer, vehicle, handler joined)
    with django_assert_num_queries(5):
        client.get(reverse("care:calls"))
    add_calls(5)
    with django_assert_num_queries(5):
        response = client.get(reverse("care:calls"))
    assert len(response.context["page"].object_list) == 7


def test_it_marks_a_call_replied_from_the_detail_page(client, agent_a, call_a):
    client.force_login(agent_a)
    page = client.get(call_a.get_absolute_url())
    assert page.status_code == 200 and page.context["overdue"] is True
    response = client.post(reverse("care:call_reply", args=[call_a.pk]), {"result": "已回电"})
    assert response.status_code == 302
    call_a.refresh_from_db()
    assert call_a.state == InboundState.REPLIED and call_a.replied_by == agent_a
    again = client.post(reverse("care:call_reply", args=[call_a.pk]), {"result": "再次"})
    assert again.status_code == 422


def test_it_edits_the_record_and_links_a_customer(client, agent_a, care_a):
    customer = make_customer(care_a)
    call = hotline.inbound_call_register(dealer=care_a, phone="13500000000")
    client.force_login(agent_a)
    response = client.post(
        reverse("care:call_edit", args=[call.pk]),
        {
            "call_type": InboundType.COMPLAINT,
            "kind": "call",
            "caller_name": "客户本人",
            "handler": agent_a.pk,
            "customer": customer.pk,
            "content": "投诉等待时间长",
            "result": "",
            "follow_up": "转客户关系经理",
        },
    )
    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.call_type, call.customer, call.follow_up) == (
        InboundType.COMPLAINT,
        customer,
        "转客户关系经理",
    )


def test_it_shows_the_rescue_number_on_rescue_calls(client, agent_a, care_a):
    care_a.hotline = "400-800-1234"
    care_a.save()
    call = hotline.inbound_call_register(
        dealer=care_a, phone="13500000000", call_type=InboundType.RESCUE
    )
    client.force_login(agent_a)
    page = client.get(call.get_absolute_url()).content.decode()
    assert 'data-testid="rescue-number"' in page and "400-800-1234" in page


def test_it_answers_404_for_another_dealers_call(client, agent_a, call_b):
    client.force_login(agent_a)
    for name in ("care:call", "care:call_recording"):
        assert client.get(reverse(name, args=[call_b.pk])).status_code == 404
    for name in ("care:call_edit", "care:call_reply", "care:call_close"):
        response = client.post(reverse(name, args=[call_b.pk]), {"result": "x"})
        assert response.status_code == 404
    call_b.refresh_from_db()
    assert call_b.state == InboundState.OPEN


def test_it_never_lists_another_dealers_calls(client, agent_a, call_a, call_b):
    client.force_login(agent_a)
    listed = client.get(reverse("care:calls")).context["page"].object_list
    assert call_b not in listed and call_a in listed


def test_it_refuses_staff_without_the_hotline_permission(client, technician_a, call_a):
    client.force_login(technician_a)
    assert client.get(reverse("care:calls")).status_code == 403
    assert client.get(call_a.get_absolute_url()).status_code == 403
    assert client.get(reverse("care:calls_badge")).content == b""


def test_it_counts_overdue_calls_in_the_nav_badge(client, agent_a, call_a, call_b):
    client.force_login(agent_a)
    page = client.get(reverse("care:calls_badge")).content.decode()
    assert 'data-testid="overdue-badge"' in page and ">1<" in page
    hotline.inbound_call_reply(call=call_a, by=agent_a)
    assert client.get(reverse("care:calls_badge")).content.decode().strip() == ""
    client.logout()
    expired = client.get(reverse("care:calls_badge"))
    assert expired.status_code == 200 and expired.content == b""


def test_it_shows_the_reply_card_to_the_cr_manager_only(client, cr_manager_a, agent_a, call_a):
    client.force_login(cr_manager_a)
    response = client.get(reverse("care:calls_reply_card"))
    assert response.context["summary"]["overdue"] == 1
    assert 'data-testid="overdue-count"' in response.content.decode()
    client.force_login(agent_a)
    assert client.get(reverse("care:calls_reply_card")).status_code == 403


def test_it_asks_to_choose_a_dealer_before_registering_in_all_dealers_mode(client, care_a, care_b):
    manager = UserFactory(role=Role.CR_MANAGER, dealers=[care_a, care_b])
    client.force_login(manager)
    session = client.session
    session[SESSION_KEY] = "all"
    session.save()
    response = client.get(reverse("care:call_create"))
    assert response.status_code == 302 and response.url == reverse("care:calls")
    response = client.post(reverse("care:call_create"), {"phone": "13500000000"})
    assert response.status_code == 302
    assert not InboundCall.objects.exists()


def test_it_keeps_the_filters_in_the_pagination_links(client, agent_a, care_a):
    for _ in range(26):
        hotline.inbound_call_register(dealer=care_a, phone="135 0000 0000")
    client.force_login(agent_a)
    page = client.get(reverse("care:calls"), {"phone": "135 0000 0000", "state": "open"})
    assert page.context["page"].paginator.num_pages == 2
    assert "?state=open&amp;phone=135+0000+0000&amp;page=2" in page.content.decode()


def test_it_logs_who_saw_a_callers_whole_number(client, agent_a, care_a):
    from dcrc.core.models import PersonalDataAccess

    call = hotline.inbound_call_register(dealer=care_a, phone="13800138000")
    client.force_login(agent_a)

    response = client.get(reverse("care:call", args=[call.pk]))

    assert response.status_code == 200
    access = PersonalDataAccess.objects.get(object_type="inbound_call")
    assert (access.user, access.object_id, access.detail) == (agent_a, call.pk, "phone")
