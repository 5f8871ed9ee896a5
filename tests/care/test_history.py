"""The customer's contact history on the 360 page: one timeline, newest first, paged."""

import pytest
from django.urls import reverse

from dcrc.care.choices import CallOutcome, InboundKind, SmsDirection, SmsStatus, TaskKind, TaskState
from dcrc.care.history import customer_contact_history
from dcrc.care.models import SmsMessage
from dcrc.complaints.choices import Category, Channel, Department
from dcrc.complaints.services import complaint_register
from tests.care.kpi_data import at, attempt, hotline_call, make_task
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def sms(customer, created_at, direction=SmsDirection.OUTBOUND, status=SmsStatus.DELIVERED):
    message = SmsMessage.objects.create(
        dealer_id=customer.dealer_id,
        customer=customer,
        direction=direction,
        status=status,
        phone=customer.mobile,
        body="您好，感谢您的来店。",
    )
    SmsMessage.objects.filter(pk=message.pk).update(created_at=created_at)
    return message


def call(customer, received_at, **fields):
    result = hotline_call(customer.dealer, received_at, **fields)
    result.customer = customer
    result.save(update_fields=["customer"])
    return result


def complaint(customer, registered_at, by=None):
    return complaint_register(
        dealer=customer.dealer,
        by=by,
        channel=Channel.HOTLINE,
        category=Category.WAITING_TIME,
        department=Department.SERVICE,
        subject="等待时间过长",
        description="客户反映保养等了三个小时。",
        customer=customer,
        at=registered_at,
    )


@pytest.fixture
def history(customer_a, vehicle_a, agent_a):
    """A callback closed on 3 Mar after two dials, an SMS on 4 Mar, a voicemail on 2 Mar,
    an open reminder created on 5 Mar, an inbound SMS reply on 1 Mar."""
    callback = make_task(
        dealer=customer_a.dealer,
        kind=TaskKind.SERVICE_CALLBACK,
        vehicle=vehicle_a,
        created_at=at(3, 1, 9),
        state=TaskState.DONE,
        closed_at=at(3, 3, 10),
        assignee=agent_a,
    )
    attempt(callback, agent_a, at(3, 2, 15), CallOutcome.NO_ANSWER)
    attempt(callback, agent_a, at(3, 3, 10), CallOutcome.REACHED, notes="满意，提醒下次保养")
    reminder = make_task(
        dealer=customer_a.dealer, kind=TaskKind.MAINTENANCE, vehicle=vehicle_a, created_at=at(3, 5)
    )
    return {
        "callback": callback,
        "reminder": reminder,
        "sms": sms(customer_a, at(3, 4)),
        "reply": sms(
            customer_a, at(3, 1), direction=SmsDirection.INBOUND, status=SmsStatus.RECEIVED
        ),
        "voicemail": call(customer_a, at(3, 2), kind=InboundKind.VOICEMAIL),
    }


def test_it_orders_every_kind_of_contact_newest_first(customer_a, history):
    page = customer_contact_history(customer=customer_a)
    assert [entry.item for entry in page.entries] == [
        history["reminder"],
        history["sms"],
        history["callback"],
        history["voicemail"],
        history["reply"],
    ]
    assert not page.has_next
    callback = page.entries[2].item
    assert [a.outcome for a in callback.attempts.all()] == ["no_answer", "reached"]


def test_it_pages_the_history(customer_a, history):
    first = customer_contact_history(customer=customer_a, page=1, page_size=2)
    second = customer_contact_history(customer=customer_a, page=2, page_size=2)
    third = customer_contact_history(customer=customer_a, page=3, page_size=2)
    assert (first.has_next, second.has_next, third.has_next) == (True, True, False)
    items = [e.item for p in (first, second, third) for e in p.entries]
    assert items[0] == history["reminder"] and items[-1] == history["reply"] and len(items) == 5


def test_it_shows_no_other_customers_contacts(customer_a, history, care_a):
    other = make_customer(care_a)
    sms(other, at(3, 6))
    assert customer_contact_history(customer=other).entries[0].type == "sms"
    assert len(customer_contact_history(customer=customer_a).entries) == 5


def test_it_reads_a_page_in_a_fixed_number_of_queries(
    customer_a, vehicle_a, agent_a, history, django_assert_num_queries
):
    for day in range(1, 25):
        task = make_task(
            dealer=customer_a.dealer,
            kind=TaskKind.RETENTION,
            vehicle=vehicle_a,
            created_at=at(4, day),
        )
        attempt(task, agent_a, at(4, day, 11), CallOutcome.NO_ANSWER)
        sms(customer_a, at(4, day, 12))
        call(customer_a, at(4, day, 13))
        complaint(customer_a, at(4, day, 14))
    # The page itself, then its tasks, their attempts, SMS, calls and complaints.
    with django_assert_num_queries(6):
        page = customer_contact_history(customer=customer_a, page=2)
        for entry in page.entries:
            if entry.type == "task":
                list(entry.item.attempts.all())
    assert len(page.entries) == 10 and page.has_next


def test_it_shows_the_customers_complaints_in_the_timeline(customer_a, history, cr_manager_a):
    registered = complaint(customer_a, at(3, 6), by=cr_manager_a)

    page = customer_contact_history(customer=customer_a)

    assert (page.entries[0].type, page.entries[0].item) == ("complaint", registered)
    assert len(page.entries) == 6


def test_it_shows_the_history_on_the_customer_360(client, agent_a, customer_a, history):
    registered = complaint(customer_a, at(3, 6))
    client.force_login(agent_a)
    page = client.get(reverse("customers:detail", args=[customer_a.pk])).content.decode()
    assert f'data-testid="history-complaint-{registered.pk}"' in page
    assert registered.number in page
    assert 'id="contact-history"' in page
    assert f'data-testid="history-task-{history["callback"].pk}"' in page
    assert f'data-testid="history-call-{history["voicemail"].pk}"' in page
    assert "满意，提醒下次保养" in page
    assert customer_a.mobile not in page  # the SMS's number is masked


def test_it_loads_more_with_htmx(client, agent_a, customer_a, vehicle_a):
    for day in range(1, 13):
        sms(customer_a, at(5, day))
    client.force_login(agent_a)
    page = client.get(reverse("customers:detail", args=[customer_a.pk])).content.decode()
    assert page.count('data-testid="history-sms-') == 10
    assert 'data-testid="history-more"' in page
    url = reverse("care:customer_history", args=[customer_a.pk])
    more = client.get(url, {"page": 2}, headers={"HX-Request": "true"}).content.decode()
    assert more.count('data-testid="history-sms-') == 2
    assert 'data-testid="history-more"' not in more
    assert client.get(url, {"page": "x"}).status_code == 200


def test_it_answers_404_for_another_dealers_customer(client, agent_b, customer_a, history):
    client.force_login(agent_b)
    url = reverse("care:customer_history", args=[customer_a.pk])
    assert client.get(url).status_code == 404


def test_it_leaves_complaints_out_where_they_are_listed_apart(client, cr_manager_a, customer_a):
    registered = complaint(customer_a, at(3, 6), by=cr_manager_a)
    for day in range(7, 18):
        sms(customer_a, at(3, day))

    page = customer_contact_history(customer=customer_a, with_complaints=False)
    assert registered not in [entry.item for entry in page.entries]
    client.force_login(cr_manager_a)
    url = reverse("care:customer_history", args=[customer_a.pk])
    more = client.get(url, {"page": 2, "complaints": "0"}).content.decode()
    assert f"history-complaint-{registered.pk}" not in more
    assert f"history-complaint-{registered.pk}" in client.get(url, {"page": 2}).content.decode()
