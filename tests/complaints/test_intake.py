"""Complaint intake: the customer by phone or plate, prefilled from a call, a callback or a
visit, errors per field, links of other dealers refused."""

import datetime

import pytest
from django.urls import reverse

from dcrc.care import hotline
from dcrc.care import services as care_services
from dcrc.care.choices import CallOutcome, CloseReason, TaskKind, TaskState
from dcrc.care.models import ContactTask
from dcrc.complaints import choices
from dcrc.complaints.models import Complaint
from dcrc.core.middleware import SESSION_KEY
from dcrc.customers.services import service_visit_record
from tests.complaints.conftest import MONDAY_10
from tests.conftest import login
from tests.factories import make_customer, make_vehicle

NEW = reverse("complaints:new")
LOOKUP = reverse("complaints:lookup")


def intake_data(**fields):
    data = {
        "channel": choices.Channel.HOTLINE,
        "severity": choices.Severity.MEDIUM,
        "category": choices.Category.REPAIR_QUALITY,
        "department": choices.Department.WORKSHOP,
        "subject": "保养后发动机异响",
        "description": "客户反映上周保养后发动机有异响。",
    }
    data.update(fields)
    return data


def unhappy_callback(dealer, agent, customer, vehicle):
    """A post-service callback that reached an unhappy customer: it raised a follow-up."""
    callback = ContactTask.objects.create(
        dealer=dealer,
        kind=TaskKind.SERVICE_CALLBACK,
        customer=customer,
        vehicle=vehicle,
        due_from=MONDAY_10.date(),
        due_until=MONDAY_10.date(),
        source_key="test:callback",
    )
    care_services.attempt_record(
        task=callback,
        agent=agent,
        outcome=CallOutcome.REACHED,
        satisfaction="dissatisfied",
        problems=["waiting"],
        notes="等了两个小时，没人解释",
        at=MONDAY_10,
    )
    return callback, ContactTask.objects.get(kind=TaskKind.FOLLOW_UP, source_task=callback)


def test_it_finds_the_customer_by_phone_with_the_number_masked(
    client, agent_a, customer_a, vehicle_a
):
    login(client, agent_a)
    response = client.get(LOOKUP, {"lookup": "138 0013 8000"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-customer="{customer_a.pk}"' in html
    assert "张伟" in html and "粤A12345" in html
    assert "13800138000" not in html and "138****8000" in html


def test_it_finds_the_vehicle_by_plate_and_ticks_it(client, agent_a, customer_a, vehicle_a):
    make_vehicle(customer_a, plate="粤B99999")
    login(client, agent_a)
    html = client.get(LOOKUP, {"lookup": "粤A12345"}).content.decode()
    assert f'value="{vehicle_a.pk}" data-owner="{customer_a.pk}" checked' in html
    assert "粤B99999" in html  # the customer's other car, not ticked


def test_it_looks_up_in_a_fixed_number_of_queries(
    client, agent_a, customer_a, vehicle_a, django_assert_num_queries
):
    for index in range(3):
        make_vehicle(
            make_customer(customer_a.dealer, mobile="13800138000"), plate=f"粤C1000{index}"
        )
    login(client, agent_a)
    client.get(LOOKUP, {"lookup": "13800138000"})
    # session, user, dealers; search keys (as a phone, as a VIN tail); customers; vehicles
    with django_assert_num_queries(7):
        response = client.get(LOOKUP, {"lookup": "13800138000"})
    assert response.content.decode().count('data-testid="match"') == 4


def test_it_shows_another_dealers_customers_never(client, agent_b, customer_a, vehicle_a):
    login(client, agent_b)
    html = client.get(LOOKUP, {"lookup": "13800138000"}).content.decode()
    assert 'data-testid="no-match"' in html and "张伟" not in html


def test_it_registers_a_complaint_and_opens_its_page(
    client, agent_a, cr_manager_a, customer_a, vehicle_a
):
    login(client, agent_a)
    page = client.get(NEW)
    assert page.status_code == 200
    assert "autofocus" in page.content.decode()
    response = client.post(
        NEW,
        intake_data(
            lookup="13800138000",
            customer=customer_a.pk,
            vehicle=vehicle_a.pk,
            customer_demand="免费检修",
            typical_case=choices.TypicalCase.NEW_CAR_MINOR_FAULT,
            owner=cr_manager_a.pk,
        ),
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url == complaint.get_absolute_url()
    assert (complaint.customer, complaint.vehicle, complaint.owner) == (
        customer_a,
        vehicle_a,
        cr_manager_a,
    )
    assert (complaint.channel, complaint.registered_by, complaint.state) == (
        choices.Channel.HOTLINE,
        agent_a,
        choices.State.REGISTERED,
    )
    assert complaint.contact_name == "张伟"


def test_it_registers_an_unknown_caller_with_the_number_typed(client, agent_a, care_a):
    login(client, agent_a)
    response = client.post(NEW, intake_data(lookup="139 1234 5678", contact_name="陈先生"))
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.customer, complaint.contact_name, complaint.contact_phone) == (
        None,
        "陈先生",
        "13912345678",
    )


def test_it_marks_an_important_complaint_and_escalates_it(client, agent_a, customer_a):
    login(client, agent_a)
    client.post(
        NEW,
        intake_data(
            customer=customer_a.pk,
            important_flags=[choices.ImportantFlag.SAFETY, choices.ImportantFlag.MEDIA],
            loss_amount="1200.50",
        ),
    )
    complaint = Complaint.objects.get()
    assert complaint.is_important
    assert complaint.important_flags == ["safety", "media"]
    assert complaint.escalation == choices.Escalation.MANUFACTURER_CRC
    assert str(complaint.loss_amount) == "1200.50"


def test_it_shows_errors_per_field_in_chinese_never_a_500(client, agent_a, care_a):
    login(client, agent_a)
    response = client.post(NEW, {"loss_amount": "abc", "channel": "fax", "owner": "999999"})
    assert response.status_code == 422
    form = response.context["form"]
    for name in ("category", "department", "subject", "description", "severity", "channel"):
        assert form.errors[name], name
    assert form.errors["subject"] == ["这个字段是必填项。"]
    assert "loss_amount" in form.errors and "owner" in form.errors
    assert form.errors["contact_name"] and form.errors["contact_phone"]
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize("phone", ["1234567", "12345678901", "400-800-1234"])
def test_it_refuses_a_contact_phone_the_api_would_refuse(client, agent_a, care_a, phone):
    login(client, agent_a)

    response = client.post(NEW, intake_data(contact_name="陈先生", contact_phone=phone))

    assert response.status_code == 422
    assert response.context["form"].errors["contact_phone"]
    assert Complaint.objects.count() == 0


def test_it_refuses_an_unknown_caller_whose_typed_number_is_no_phone(client, agent_a, care_a):
    login(client, agent_a)

    response = client.post(NEW, intake_data(lookup="1234567", contact_name="陈先生"))

    assert response.status_code == 422
    assert response.context["form"].errors["contact_phone"]


def test_it_normalises_the_contact_phone_as_the_api_does(client, agent_a, care_a):
    login(client, agent_a)

    client.post(NEW, intake_data(contact_name="陈先生", contact_phone="+86 139-1234-5678"))

    assert Complaint.objects.get().contact_phone == "13912345678"


def test_it_refuses_texts_longer_than_the_api_takes(client, agent_a, customer_a):
    login(client, agent_a)

    response = client.post(
        NEW,
        intake_data(
            customer=customer_a.pk,
            subject="长" * 201,
            description="长" * 4001,
            customer_demand="长" * 2001,
        ),
    )

    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"subject", "description", "customer_demand"}
    assert Complaint.objects.count() == 0


def test_it_shows_a_service_refusal_on_the_form(client, agent_a, customer_a, care_a):
    """A vehicle of another customer (tampered form) is refused by the service per field."""
    other = make_vehicle(make_customer(care_a, name="李四", mobile="13700000000"))
    login(client, agent_a)
    response = client.post(NEW, intake_data(vehicle=other.pk, contact_name="张", contact_phone=""))
    assert response.status_code in (302, 422)
    if response.status_code == 302:  # the vehicle names its owner
        assert Complaint.objects.get().customer == other.owner


def test_it_prefills_from_a_hotline_call(client, agent_a, customer_a, vehicle_a):
    call = hotline.inbound_call_register(
        dealer=customer_a.dealer,
        phone="13800138000",
        call_type="complaint",
        caller_name="张先生",
        content="车辆异响，上次修了没修好\n希望给个说法",
        by=agent_a,
    )
    login(client, agent_a)
    response = client.get(NEW, {"call": call.pk})
    form = response.context["form"]
    assert response.status_code == 200
    assert form.initial["channel"] == choices.Channel.HOTLINE
    assert form.initial["subject"] == "车辆异响，上次修了没修好"
    assert form.initial["inbound_call"] == call
    assert (form.initial["customer"], form.initial["vehicle"]) == (customer_a, vehicle_a)
    html = response.content.decode()
    assert f'name="inbound_call" value="{call.pk}"' in html
    assert f'value="{customer_a.pk}" data-testid="pick-customer-{customer_a.pk}" checked' in html

    response = client.post(
        NEW + f"?call={call.pk}",
        intake_data(inbound_call=call.pk, customer=customer_a.pk, vehicle=vehicle_a.pk),
    )
    assert response.status_code == 302
    assert Complaint.objects.get().inbound_call == call


def test_it_takes_a_callback_follow_up_over_as_a_complaint(
    client, agent_a, cr_manager_a, customer_a, vehicle_a
):
    callback, follow_up = unhappy_callback(customer_a.dealer, agent_a, customer_a, vehicle_a)
    login(client, cr_manager_a)
    response = client.get(NEW, {"task": follow_up.pk})
    form = response.context["form"]
    assert form.initial["channel"] == choices.Channel.CALLBACK
    assert (form.initial["category"], form.initial["department"]) == (
        choices.Category.WAITING_TIME,
        choices.Department.WORKSHOP,
    )
    assert "等了两个小时" in form.initial["description"]
    assert form.initial["contact_task"] == callback

    response = client.post(
        NEW + f"?task={follow_up.pk}",
        intake_data(
            channel=choices.Channel.CALLBACK,
            contact_task=callback.pk,
            customer=customer_a.pk,
            vehicle=vehicle_a.pk,
        ),
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert (follow_up.state, follow_up.close_reason) == (
        TaskState.CANCELLED,
        CloseReason.COMPLAINT,
    )
    assert Complaint.objects.get().contact_task == callback


def test_it_prefills_from_a_service_visit(client, agent_a, customer_a, vehicle_a):
    visit, _created = service_visit_record(
        vehicle=vehicle_a,
        visit_date=datetime.date(2026, 11, 10),
        mileage=12000,
        visit_type="minor_repair",
        repair_order_no="RO2026110001",
    )
    login(client, agent_a)
    form = client.get(NEW, {"visit": visit.pk}).context["form"]
    assert form.initial["channel"] == choices.Channel.ON_SITE
    assert form.initial["repair_order_no"] == "RO2026110001"
    assert (form.initial["service_visit"], form.initial["vehicle"]) == (visit, vehicle_a)


def test_it_prefills_from_a_customer(client, agent_a, customer_a, vehicle_a):
    login(client, agent_a)
    response = client.get(NEW, {"customer": customer_a.pk})
    assert response.context["form"].initial["customer"] == customer_a
    assert f'data-customer="{customer_a.pk}"' in response.content.decode()


@pytest.mark.parametrize("link", ["call", "task", "visit", "customer"])
def test_it_answers_404_for_another_dealers_links(client, agent_a, agent_b, care_a, dealer_b, link):
    customer = make_customer(dealer_b, mobile="13600000000")
    vehicle = make_vehicle(customer, plate="京A88888")
    rows = {
        "call": lambda: hotline.inbound_call_register(dealer=dealer_b, phone="13600000000"),
        "task": lambda: ContactTask.objects.create(
            dealer=dealer_b,
            kind=TaskKind.FOLLOW_UP,
            customer=customer,
            due_from=MONDAY_10.date(),
            due_until=MONDAY_10.date(),
            source_key="b:1",
        ),
        "visit": lambda: service_visit_record(
            vehicle=vehicle,
            visit_date=datetime.date(2026, 11, 1),
            mileage=100,
            visit_type="minor_repair",
        )[0],
        "customer": lambda: customer,
    }
    row = rows[link]()
    login(client, agent_a)
    assert client.get(NEW, {link: row.pk}).status_code == 404
    login(client, agent_b)
    assert client.get(NEW, {link: row.pk}).status_code == 200


def test_it_refuses_another_dealers_customer_posted(client, agent_a, dealer_b, care_a):
    other = make_customer(dealer_b, mobile="13600000000")
    login(client, agent_a)
    response = client.post(NEW, intake_data(customer=other.pk))
    assert response.status_code == 422
    assert response.context["form"].errors["customer"]


def test_it_asks_which_dealer_when_the_user_sees_several(client, cr_manager_a, dealer_b, care_a):
    cr_manager_a.dealers.add(dealer_b)
    login(client, cr_manager_a)
    session = client.session
    session[SESSION_KEY] = "all"
    session.save()
    form = client.get(NEW).context["form"]
    assert "dealer" in form.fields
    response = client.post(NEW, intake_data(contact_name="陈先生", contact_phone="13912345678"))
    assert response.context["form"].errors["dealer"]
    response = client.post(
        NEW,
        intake_data(dealer=dealer_b.pk, contact_name="陈先生", contact_phone="13912345678"),
    )
    assert response.status_code == 302
    assert Complaint.objects.get().dealer == dealer_b


def test_it_lets_only_intake_roles_register(client, technician_a, care_a):
    login(client, technician_a)
    assert client.get(NEW).status_code == 403
