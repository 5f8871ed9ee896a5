"""Customers over the API: list, search, get, create, update; masking, audit and tenancy."""

import pytest
from auditlog.models import LogEntry

from dcrc.core.choices import AccessAction, Role
from dcrc.core.models import PersonalDataAccess
from dcrc.core.services import api_token_create
from dcrc.customers.models import Customer
from tests.api.conftest import ApiClient, field_errors
from tests.factories import DealerFactory, UserFactory, make_customer, make_vehicle

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"


@pytest.fixture
def zhang(dealer_a):
    customer = make_customer(
        dealer_a, name="张三", mobile="13812345678", home_phone="02087654321", id_number=VALID_ID
    )
    make_vehicle(customer, plate="粤A12345")
    return customer


@pytest.fixture
def li_b(dealer_b):
    customer = make_customer(dealer_b, name="李四", mobile="13912345678")
    make_vehicle(customer, plate="京B54321")
    return customer


# --- reading -------------------------------------------------------------------------------


def test_it_lists_customers_newest_first_with_their_vehicles(api, agent_a, zhang, dealer_a):
    newer = make_customer(dealer_a, name="王五")
    body = api(agent_a).get("/customers").json()
    assert body["count"] == 2
    assert [item["id"] for item in body["items"]] == [newer.pk, zhang.pk]
    item = body["items"][1]
    assert item["dealer"]["code"] == "A001"
    assert item["vehicles"][0]["plate"] == "粤A12345"
    assert "name_pinyin" not in item and "created_by" not in item


def test_it_paginates_with_a_bounded_page_size(api, agent_a, dealer_a):
    for _ in range(5):
        make_customer(dealer_a)
    client = api(agent_a)
    body = client.get("/customers", {"page": 2, "page_size": 2}).json()
    assert (body["count"], body["page"], body["page_size"], len(body["items"])) == (5, 2, 2, 2)
    assert client.get("/customers", {"page": 9, "page_size": 2}).json()["items"] == []
    assert client.get("/customers", {"page_size": 101}).status_code == 422
    assert client.get("/customers", {"page": 0}).status_code == 422


def test_it_searches_ranked_by_name_pinyin_phone_plate(api, agent_a, zhang, dealer_a):
    make_customer(dealer_a, name="张三丰")
    client = api(agent_a)
    for query in ("张三", "zhangsan", "zs", "5678", "粤A12345", "a12345", "138 1234 5678"):
        body = client.get("/customers", {"q": query}).json()
        assert body["items"][0]["id"] == zhang.pk, query
    assert client.get("/search", {"q": "张三"}).json()["items"][0]["id"] == zhang.pk
    assert client.get("/search", {"q": "   "}).status_code == 422


def test_it_gets_a_customer_with_every_field_and_vehicles(api, agent_a, zhang):
    body = api(agent_a).get(f"/customers/{zhang.pk}").json()
    assert body["name"] == "张三"
    assert body["owner_code"] == zhang.owner_code
    assert body["birthday"] == "1949-12-31"
    assert body["gender"] == "female"
    assert body["vehicles"][0]["plate"] == "粤A12345"
    assert body["merged_into"] is None
    assert "name_pinyin" not in body


def test_it_narrows_to_one_dealer_by_code_or_id(api, group_manager, zhang, li_b, dealer_a):
    client = api(group_manager)
    assert client.get("/customers").json()["count"] == 1  # the group owns dealer A only
    assert client.get("/customers", {"dealer": "A001"}).json()["count"] == 1
    assert client.get("/customers", {"dealer": str(dealer_a.pk)}).json()["count"] == 1
    assert field_errors(client.get("/customers", {"dealer": "B001"})) == {
        "dealer": ["Unknown dealer, or not one of yours."]
    }


def test_it_answers_me_with_my_dealers_and_permissions(api, agent_a):
    body = api(agent_a).get("/me").json()
    assert body["username"] == "agent_a"
    assert [dealer["code"] for dealer in body["dealers"]] == ["A001"]
    assert body["permissions"] == {"reveal_phone": True, "reveal_id_number": False, "edit": True}


# --- tenancy -------------------------------------------------------------------------------


def test_it_answers_404_for_another_dealers_customer(api, agent_b, zhang):
    client = api(agent_b)
    assert client.get(f"/customers/{zhang.pk}").status_code == 404
    assert client.patch(f"/customers/{zhang.pk}", {"name": "x"}).status_code == 404
    vin = "LSVAU218XN2183294"
    assert client.post(f"/customers/{zhang.pk}/vehicles", {"vin": vin}).status_code == 404
    assert zhang.vehicles.count() == 1
    assert Customer.objects.get(pk=zhang.pk).name == "张三"


def test_it_never_lists_or_finds_another_dealers_customers(api, agent_b, zhang, li_b):
    client = api(agent_b)
    assert [item["id"] for item in client.get("/customers").json()["items"]] == [li_b.pk]
    for query in ("张三", "zs", "5678", "粤A12345", "A12345", zhang.owner_code):
        for path in ("/customers", "/search", "/vehicles"):
            items = client.get(path, {"q": query}).json()["items"]
            assert zhang.pk not in {item.get("owner", item)["id"] for item in items}, (path, query)


def test_it_shows_a_regional_manager_only_their_regions_dealers(
    api, regional_manager, zhang, li_b, maker
):
    north = DealerFactory(code="N001", manufacturer=maker, region="华北")
    make_customer(north, name="赵六")
    client = api(regional_manager)
    assert [item["id"] for item in client.get("/customers").json()["items"]] == [zhang.pk]
    assert client.get(f"/customers/{li_b.pk}").status_code == 404
    assert client.get("/customers", {"q": "李四"}).json()["count"] == 0
    assert [dealer["code"] for dealer in client.get("/me").json()["dealers"]] == ["A001"]


# --- masking and audit ---------------------------------------------------------------------


def test_it_masks_phone_and_id_numbers_by_default(api, cr_manager_a, zhang):
    body = api(cr_manager_a).get(f"/customers/{zhang.pk}").json()
    assert body["mobile"] == "138****5678"
    assert body["home_phone"] == "020****4321"
    assert body["id_number"] == "110105********002X"
    assert body["phones_masked"] and body["id_number_masked"]
    assert not PersonalDataAccess.objects.exists()


def test_it_unmasks_what_the_role_may_see_and_logs_it(api, agent_a, cr_manager_a, zhang):
    body = api(agent_a).get(f"/customers/{zhang.pk}", {"unmask": "true"}).json()
    assert body["mobile"] == "13812345678"
    assert body["id_number"] == "110105********002X"  # an agent may not see ID numbers
    body = api(cr_manager_a).get(f"/customers/{zhang.pk}", {"unmask": "true"}).json()
    assert body["id_number"] == VALID_ID and not body["id_number_masked"]
    entries = PersonalDataAccess.objects.order_by("at", "id")
    assert [(e.user, e.action, e.object_id, e.dealer, e.row_count) for e in entries] == [
        (agent_a, AccessAction.API_READ, zhang.pk, zhang.dealer, 1),
        (cr_manager_a, AccessAction.API_READ, zhang.pk, zhang.dealer, 1),
    ]
    assert "id_number" in entries[1].detail and "id_number" not in entries[0].detail


def test_it_logs_an_unmasked_list_once_with_its_row_count(api, agent_a, zhang, dealer_a):
    make_customer(dealer_a)
    body = api(agent_a).get("/customers", {"unmask": "true"}).json()
    assert "13812345678" in {item["mobile"] for item in body["items"]}
    entry = PersonalDataAccess.objects.get()
    assert (entry.row_count, entry.dealer, entry.object_id) == (2, dealer_a, None)
    assert entry.ip_address == "127.0.0.1"


def test_it_logs_an_unmasked_list_once_per_dealer_shown(api, zhang, li_b, dealer_a, dealer_b):
    admin = UserFactory(is_superuser=True, role=Role.GENERAL_MANAGER)
    assert api(admin).get("/customers", {"unmask": "true"}).json()["count"] == 2
    entries = PersonalDataAccess.objects.order_by("dealer__code")
    assert [(e.dealer, e.row_count) for e in entries] == [(dealer_a, 1), (dealer_b, 1)]


def test_it_refuses_unmasking_to_a_role_without_the_permission(api, technician_a, zhang):
    client = api(technician_a)
    assert client.get(f"/customers/{zhang.pk}", {"unmask": "true"}).status_code == 403
    assert client.get("/customers", {"unmask": "true"}).status_code == 403
    assert client.get("/customers").json()["items"][0]["mobile"] == "138****5678"
    assert not PersonalDataAccess.objects.exists()


# --- writing -------------------------------------------------------------------------------


def test_it_creates_a_customer_in_the_users_only_dealer(api, agent_a, dealer_a):
    response = api(agent_a).post("/customers", {"name": "王五", "mobile": "13700001111"})
    assert response.status_code == 201, response.content
    body = response.json()
    customer = Customer.objects.get(pk=body["id"])
    assert (customer.dealer, customer.created_by, customer.mobile) == (
        dealer_a,
        agent_a,
        "13700001111",
    )
    assert body["owner_code"].startswith("C") and body["mobile"] == "137****1111"
    assert LogEntry.objects.get_for_object(customer).get().actor == agent_a


def test_it_accepts_messy_but_valid_input(api, agent_a):
    response = api(agent_a).post(
        "/customers",
        {
            "name": " 王　五 ",
            "mobile": "+86 138 1234 5678",
            "office_phone": "０２０－８７６５ ４３２１",
            "id_number": "110105 19491231 002x",
        },
        params="?unmask=true",
    )
    assert response.status_code == 201, response.content
    customer = Customer.objects.get(pk=response.json()["id"])
    assert (customer.name, customer.mobile, customer.office_phone) == (
        "王 五",
        "13812345678",
        "02087654321",
    )
    assert customer.id_number == VALID_ID
    assert response.json()["mobile"] == "13812345678"


def test_it_answers_422_with_field_errors_for_bad_input(api, agent_a):
    client = api(agent_a)
    errors = field_errors(
        client.post(
            "/customers",
            {"name": "王五", "mobile": "020-8765 4321", "id_number": "110105194912310021"},
        )
    )
    assert errors["mobile"] == ["This is a landline number; enter it as home or office phone."]
    assert "check digit" in errors["id_number"][0]
    assert not Customer.objects.exists()
    errors = field_errors(client.post("/customers", {"name": "", "kind": "alien", "birthday": "x"}))
    assert set(errors) == {"name", "kind", "birthday"}
    assert set(field_errors(client.post("/customers", {"mobile": "13812345678"}))) == {"name"}


def test_it_answers_in_chinese_unless_english_was_chosen(agent_a):
    _, key = api_token_create(user=agent_a, name="t")
    response = ApiClient(key, language="zh-hans").post(
        "/customers", {"name": "王五", "mobile": "1"}
    )
    assert response.headers["Content-Language"] == "zh-hans"
    assert (
        response.json()["detail"][0]["msg"]
        != "Enter a valid mainland China mobile or landline number."
    )


def test_it_puts_service_errors_where_ninja_puts_its_own(api, agent_a):
    client = api(agent_a)
    ninja = client.post("/customers", {"name": "王五", "kind": "alien"}).json()["detail"][0]
    ours = client.post("/customers", {"name": "王五", "mobile": "1"}).json()["detail"][0]
    assert ninja["loc"] == ["body", "payload", "kind"]
    assert ours == {
        "loc": ["body", "payload", "mobile"],
        "msg": "Enter a valid mainland China mobile or landline number.",
        "type": "value_error",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"name": "王\x00五"},
        {"name": "王" * 101},
        {"name": "㍿" * 30},  # NFKC makes 120 characters out of 30
        {"name": "王五", "remarks": "x" * 2001},
        {"name": "王五", "lunar_birthday_month": 13, "lunar_birthday_day": 1},
        {"name": "王五", "birthday": "9999-12-31"},
        {"name": "王五", "kind": None},
        {"name": None},
        {"name": "王五", "dealer": 2**63},
        {"name": "王五", "dealer": True},
        {"name": "王五", "sms_opt_out": "true"},
        {"name": "王五", "birthday": 0},
        {"name": "王五", "birthday": "2000-01-01T08:00:00"},
        {"name": "王五", "lunar_birthday_month": "1", "lunar_birthday_day": 1},
        {"name": "王五", "owner_code": ""},
        {"name": "王五", "colour": "red"},
    ],
)
def test_it_answers_422_never_500_for_hostile_input(api, agent_a, body):
    response = api(agent_a).post("/customers", body)
    assert response.status_code == 422, response.content
    assert not Customer.objects.exists()


def test_it_asks_a_user_of_several_dealers_which_one(api, group, dealer_a):
    other = DealerFactory(code="A002", group=group)
    manager = UserFactory(role=Role.CR_MANAGER, dealers=[dealer_a, other])
    client = api(manager)
    assert field_errors(client.post("/customers", {"name": "王五"})) == {
        "dealer": ["You work for several dealers; say which one."]
    }
    response = client.post("/customers", {"name": "王五", "dealer": "A002"})
    assert response.status_code == 201
    assert Customer.objects.get().dealer == other
    response = client.post("/customers", {"name": "赵六", "dealer": dealer_a.pk})
    assert Customer.objects.get(pk=response.json()["id"]).dealer == dealer_a


def test_it_refuses_a_dealer_the_user_cannot_see(api, agent_a, dealer_b):
    for dealer in ("B001", dealer_b.pk, "NOPE"):
        response = api(agent_a).post("/customers", {"name": "王五", "dealer": dealer})
        assert field_errors(response) == {"dealer": ["Unknown dealer, or not one of yours."]}
    assert not Customer.objects.exists()


def test_it_updates_only_the_given_fields(api, agent_a, zhang):
    response = api(agent_a).patch(
        f"/customers/{zhang.pk}", {"mobile": "139 0000 1111", "home_phone": None, "email": ""}
    )
    assert response.status_code == 200, response.content
    zhang.refresh_from_db()
    assert (zhang.mobile, zhang.home_phone, zhang.name) == ("13900001111", "", "张三")
    assert response.json()["mobile"] == "139****1111"


def test_it_clears_an_optional_field_given_null(api, agent_a, zhang):
    response = api(agent_a).patch(f"/customers/{zhang.pk}", {"birthday": None, "gender": None})
    assert response.status_code == 200, response.content
    zhang.refresh_from_db()
    assert (zhang.birthday, zhang.gender) == (None, "")


def test_it_accepts_a_long_company_name_whose_pinyin_is_longer(api, agent_a):
    response = api(agent_a).post("/customers", {"name": "庄" * 100, "kind": "company"})
    assert response.status_code == 201


def test_it_answers_422_for_a_bad_update_and_keeps_the_customer(api, agent_a, zhang):
    errors = field_errors(
        api(agent_a).patch(f"/customers/{zhang.pk}", {"mobile": "020 8765 4321", "name": "新名"})
    )
    assert set(errors) == {"mobile"}
    zhang.refresh_from_db()
    assert (zhang.mobile, zhang.name) == ("13812345678", "张三")


def test_it_refuses_writes_to_a_role_without_edit_permission(api, technician_a, zhang):
    client = api(technician_a)
    assert client.post("/customers", {"name": "王五"}).status_code == 403
    assert client.patch(f"/customers/{zhang.pk}", {"name": "x"}).status_code == 403
    vin = "LSVAU218XN2183294"
    assert client.post(f"/customers/{zhang.pk}/vehicles", {"vin": vin}).status_code == 403
    assert Customer.objects.count() == 1


def test_it_answers_409_for_writes_to_a_merged_customer(api, cr_manager_a, zhang, dealer_a):
    from dcrc.customers import services

    target = make_customer(dealer_a, name="张三")
    services.customer_merge(target=target, duplicate=zhang, by=cr_manager_a)
    client = api(cr_manager_a)
    assert client.patch(f"/customers/{zhang.pk}", {"name": "x"}).status_code == 409
    assert client.get(f"/customers/{zhang.pk}").json()["merged_into"] == target.pk
    assert zhang.pk not in {item["id"] for item in client.get("/customers").json()["items"]}


def test_it_answers_404_or_422_for_ids_out_of_range(api, agent_a):
    client = api(agent_a)
    assert client.get("/customers/9223372036854775807").status_code == 404
    assert client.get("/customers/9223372036854775808").status_code == 422
    assert client.get("/customers/0").status_code == 422
    assert client.get("/customers/abc").status_code == 422
