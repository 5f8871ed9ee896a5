"""The archive screens as staff use them, incl. tenancy, masking and the access audit."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from dcrc.core.models import PersonalDataAccess
from dcrc.customers import services
from dcrc.customers.choices import VisitType
from dcrc.customers.models import Customer, ServiceVisit, Vehicle
from tests.factories import make_customer, make_vehicle, random_vin

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer_a(dealer_a):
    customer = make_customer(
        dealer_a, name="张三", mobile="13812345678", id_number="11010519491231002X"
    )
    vehicle = make_vehicle(customer, plate="粤A12345")
    services.service_visit_record(
        vehicle=vehicle,
        visit_date=datetime.date(2024, 5, 1),
        mileage=5000,
        visit_type=VisitType.FIRST_MAINTENANCE,
        repair_order_no="RO20240501",
    )
    return customer


def test_it_sends_anonymous_users_to_the_login(client, customer_a):
    response = client.get(reverse("customers:detail", args=[customer_a.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_logs_in_and_speaks_chinese(client, agent_a):
    response = client.post(reverse("login"), {"username": "agent_a", "password": "pw-for-tests-1"})
    assert response.status_code == 302
    page = client.get(reverse("home")).content.decode()
    assert "客户档案" in page


def test_it_shows_the_customer_360_with_masked_numbers(client, agent_a, customer_a):
    client.force_login(agent_a)
    page = client.get(reverse("customers:detail", args=[customer_a.pk])).content.decode()
    assert "138****5678" in page
    assert "13812345678" not in page
    assert "110105********002X" in page or "11010519491231002X" not in page
    assert "粤A12345" in page
    assert "RO20240501" in page


def test_it_builds_the_360_in_a_constant_number_of_queries(
    client, agent_a, customer_a, django_assert_max_num_queries
):
    client.force_login(agent_a)
    url = reverse("customers:detail", args=[customer_a.pk])
    client.get(url)
    for _ in range(3):
        vehicle = make_vehicle(customer_a)
        services.service_visit_record(
            vehicle=vehicle,
            visit_date=datetime.date(2024, 6, 1),
            mileage=1000,
            visit_type=VisitType.MINOR_REPAIR,
        )
        _contact_history(customer_a, vehicle, agent_a)
    # 10 for the archive, 5 for the contact history (its page; tasks, dials, SMS, calls).
    with django_assert_max_num_queries(15):
        assert client.get(url).status_code == 200


def _contact_history(customer, vehicle, agent):
    """A callback with a dial, an SMS and a hotline call: every kind the 360 lists."""
    from django.utils import timezone

    from dcrc.care.models import CallAttempt, ContactTask, InboundCall, SmsMessage

    now = timezone.now()
    task = ContactTask.objects.create(
        dealer=customer.dealer,
        kind="service_callback",
        customer=customer,
        vehicle=vehicle,
        source_key=f"visit-{vehicle.pk}",
        due_from=now.date(),
        due_until=now.date(),
        assignee=agent,
    )
    CallAttempt.objects.create(
        dealer=customer.dealer, task=task, agent=agent, at=now, outcome="no_answer"
    )
    SmsMessage.objects.create(
        dealer=customer.dealer, customer=customer, phone=customer.mobile, body="您好"
    )
    InboundCall.objects.create(
        dealer=customer.dealer,
        customer=customer,
        received_at=now,
        reply_deadline=now + datetime.timedelta(hours=24),
        handler=agent,
    )


def test_it_reveals_a_number_and_records_who_saw_it(client, agent_a, customer_a):
    client.force_login(agent_a)
    response = client.post(reverse("customers:reveal", args=[customer_a.pk, "mobile"]))
    assert "138 1234 5678" in response.content.decode()
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.action, access.object_id, access.detail) == (
        agent_a,
        "unmask",
        customer_a.pk,
        "mobile",
    )


def test_it_keeps_id_numbers_from_agents(client, agent_a, customer_a):
    client.force_login(agent_a)
    response = client.post(reverse("customers:reveal", args=[customer_a.pk, "id_number"]))
    assert response.status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_it_lets_technicians_see_but_not_reveal(client, technician_a, customer_a):
    client.force_login(technician_a)
    assert client.get(reverse("customers:detail", args=[customer_a.pk])).status_code == 200
    response = client.post(reverse("customers:reveal", args=[customer_a.pk, "mobile"]))
    assert response.status_code == 403
    assert client.get(reverse("customers:edit", args=[customer_a.pk])).status_code == 403


def test_it_searches_and_opens_a_single_hit_directly(client, agent_a, customer_a):
    client.force_login(agent_a)
    response = client.get(reverse("customers:list"), {"q": "zs"})
    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[customer_a.pk])


def test_it_lists_search_results_as_an_htmx_partial(client, agent_a, customer_a, dealer_a):
    make_customer(dealer_a, name="张帅")
    client.force_login(agent_a)
    response = client.get(reverse("customers:list"), {"q": "zs"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "张三" in page and "张帅" in page
    assert "<html" not in page


def test_it_paginates_the_archive_in_constant_queries(
    client, agent_a, dealer_a, django_assert_max_num_queries
):
    for _ in range(25):
        make_vehicle(make_customer(dealer_a))
    client.force_login(agent_a)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("customers:list"))
    assert len(response.context["page"].object_list) == 20
    assert client.get(reverse("customers:list"), {"page": 2}).context["page"].number == 2


def test_it_creates_a_customer_from_messy_input(client, agent_a):
    client.force_login(agent_a)
    response = client.post(
        reverse("customers:create"),
        {
            "kind": "individual",
            "name": " 王五 ",
            "mobile": "１３９ ０００１ ２３４５",
            "birthday_calendar": "solar",
            "contact_preference": "phone",
            "lifecycle": "customer",
        },
    )
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert (customer.name, customer.mobile) == ("王五", "13900012345")


def test_it_explains_bad_input_in_chinese_next_to_the_field(client, agent_a):
    client.force_login(agent_a)
    response = client.post(
        reverse("customers:create"),
        {
            "kind": "individual",
            "name": "王五",
            "mobile": "12345",
            "id_number": "110105194912310021",
            "birthday_calendar": "solar",
            "contact_preference": "phone",
            "lifecycle": "customer",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"mobile", "id_number"}
    assert "手机" in form.errors["mobile"][0] or "号码" in form.errors["mobile"][0]
    assert not Customer.objects.exists()


def test_it_adds_a_vehicle_and_rejects_a_bad_vin(client, agent_a, customer_a):
    client.force_login(agent_a)
    url = reverse("customers:vehicle_create", args=[customer_a.pk])
    bad = client.post(url, {"vin": "LFV2A21K847321234X", "usage": "private"})
    assert bad.status_code == 200 and "vin" in bad.context["form"].errors
    vin = random_vin()
    good = client.post(
        url, {"vin": vin.lower(), "plate": "粤b·d1234 5", "usage": "private", "purchase_mileage": 0}
    )
    assert good.status_code == 302, good.context and good.context["form"].errors
    assert Vehicle.objects.get(vin=vin).plate == "粤BD12345"


def test_it_transfers_a_vehicle_through_the_screen(client, agent_a, customer_a, dealer_a):
    buyer = make_customer(dealer_a, name="李四")
    vehicle = customer_a.vehicles.get()
    client.force_login(agent_a)
    response = client.post(
        reverse("customers:vehicle_transfer", args=[vehicle.pk]),
        {"new_owner": buyer.pk, "date": datetime.date.today().isoformat(), "note": "二手车"},
    )
    assert response.status_code == 302
    vehicle.refresh_from_db()
    assert vehicle.owner == buyer
    history = client.get(reverse("customers:detail", args=[buyer.pk])).content.decode()
    assert "张三" in history  # the previous owner stays visible


def test_it_records_a_visit_and_refuses_a_lower_odometer(client, agent_a, customer_a):
    vehicle = customer_a.vehicles.get()
    client.force_login(agent_a)
    url = reverse("customers:visit_create", args=[customer_a.pk])
    data = {
        "vehicle": vehicle.pk,
        "visit_date": "2024-09-01",
        "mileage": 4000,
        "visit_type": "periodic_maintenance",
        "amount": "450.00",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200 and "mileage" in refused.context["form"].errors
    assert client.post(url, {**data, "mileage": 9000}).status_code == 302
    assert ServiceVisit.objects.count() == 2


def test_it_merges_through_the_screen(client, archive_admin_a, customer_a, dealer_a):
    duplicate = make_customer(dealer_a, name="张三", mobile="13812345678")
    client.force_login(archive_admin_a)
    page = client.get(reverse("customers:detail", args=[customer_a.pk])).content.decode()
    assert duplicate.owner_code in page  # suggested as a possible duplicate
    response = client.post(
        reverse("customers:merge", args=[customer_a.pk]), {"duplicate": duplicate.pk}
    )
    assert response.status_code == 302
    old_link = client.get(reverse("customers:detail", args=[duplicate.pk]))
    assert old_link.status_code == 302 and old_link.url == customer_a.get_absolute_url()


def test_it_exports_the_search_result_and_records_the_export(client, cr_manager_a, customer_a):
    client.force_login(cr_manager_a)
    response = client.get(reverse("customers:export"), {"q": "zs"})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.values)
    assert rows[1][1] == "张三"
    assert rows[1][3] == "138 1234 5678"  # a CR manager may see phone numbers
    access = PersonalDataAccess.objects.get()
    assert (access.action, access.row_count) == ("export", 1)


def test_it_refuses_exports_to_agents(client, agent_a, customer_a):
    client.force_login(agent_a)
    assert client.get(reverse("customers:export")).status_code == 403


def test_it_shows_the_access_log_to_managers_only(client, agent_a, cr_manager_a, customer_a):
    client.force_login(agent_a)
    client.post(reverse("customers:reveal", args=[customer_a.pk, "mobile"]))
    assert client.get(reverse("audit_log")).status_code == 403
    client.force_login(cr_manager_a)
    page = client.get(reverse("audit_log")).content.decode()
    assert "agent_a" in page or str(agent_a) in page


def test_it_creates_and_revokes_an_api_token(client, agent_a):
    client.force_login(agent_a)
    response = client.post(reverse("api_tokens"), {"name": "呼叫中心"})
    assert response.context["new_key"].startswith("dcrc_")
    token = agent_a.api_tokens.get()
    client.post(reverse("api_tokens"), {"revoke": token.pk})
    assert not agent_a.api_tokens.exists()
    assert client.post(reverse("api_tokens"), {"revoke": "x"}).status_code == 302


def test_it_stays_chinese_for_english_browsers_until_english_is_chosen(client, agent_a):
    client.force_login(agent_a)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "客户档案" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Customer archive" in client.get(reverse("home")).content.decode()


def test_it_exports_formula_like_text_as_text(client, cr_manager_a, dealer_a):
    make_customer(dealer_a, name='=HYPERLINK("http://evil.example","点我")')
    client.force_login(cr_manager_a)
    response = client.get(reverse("customers:export"), {"q": "HYPERLINK"})
    content = b"".join(response.streaming_content)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.active.cell(2, 2).value == '=HYPERLINK("http://evil.example","点我")'
    assert workbook.active.cell(2, 2).data_type == "s"


def test_it_answers_a_foreign_row_with_a_chinese_404_page(client, agent_b, customer_a):
    client.force_login(agent_b)
    response = client.get(reverse("customers:detail", args=[customer_a.pk]))
    assert response.status_code == 404
    assert "找不到" in response.content.decode()
