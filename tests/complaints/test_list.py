"""The complaint list: filters, tenancy, masked phones, a pinned query count."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dcrc.care.defaults import care_defaults_ensure
from dcrc.complaints import board, choices
from dcrc.complaints.services import complaint_move
from dcrc.core.choices import Role
from dcrc.core.middleware import SESSION_KEY
from tests.complaints.conftest import register
from tests.factories import UserFactory, make_customer, make_vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture
def care_b(dealer_b):
    care_defaults_ensure(dealer_id=dealer_b.pk)
    return dealer_b


URL = "/complaints/"


def numbers(response) -> list[str]:
    return [c.number for c in response.context["page"]]


@pytest.fixture
def recent(care_a, cr_manager_a):
    """A complaint registered an hour ago: no deadline missed yet."""
    return register(
        care_a,
        cr_manager_a,
        contact_name="李娜",
        contact_phone="13911112222",
        subject="前台接待态度差",
        category=choices.Category.SERVICE_ATTITUDE,
        department=choices.Department.SERVICE,
        channel=choices.Channel.ON_SITE,
        severity=choices.Severity.LOW,
        at=timezone.now() - datetime.timedelta(hours=1),
    )


def test_it_lists_the_dealers_complaints_newest_first(client, cr_manager_a, complaint_a, recent):
    client.force_login(cr_manager_a)
    response = client.get(URL)
    assert response.status_code == 200
    assert numbers(response) == [recent.number, complaint_a.number]
    html = response.content.decode()
    assert complaint_a.get_absolute_url() in html
    assert "139****2222" in html and "13911112222" not in html
    assert "粤A12345" in html


def test_it_hides_other_dealers_complaints(client, agent_b, complaint_a, care_b):
    other = register(care_b, agent_b, contact_name="王芳", contact_phone="13700001111")
    client.force_login(agent_b)
    assert numbers(client.get(URL)) == [other.number]


def test_it_shows_manufacturer_staff_only_escalations(
    client, manufacturer_crc, complaint_a, care_a, cr_manager_a
):
    important = register(
        care_a,
        cr_manager_a,
        contact_name="赵强",
        contact_phone="13600001111",
        important_flags=[choices.ImportantFlag.SAFETY],
    )
    client.force_login(manufacturer_crc)
    response = client.get(URL)
    assert numbers(response) == [important.number]


def test_it_refuses_people_without_complaint_access(client, technician_a):
    client.force_login(technician_a)
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"state": "open"}, {"complaint_a", "recent"}),
        ({"state": "acknowledged"}, {"complaint_a"}),
        ({"category": "service_attitude"}, {"recent"}),
        ({"severity": "low"}, {"recent"}),
        ({"channel": "on_site"}, {"recent"}),
        ({"department": "workshop"}, {"complaint_a"}),
        ({"overdue": "1"}, {"complaint_a"}),
        ({"mine": "1"}, {"complaint_a"}),
        ({"escalated": "1"}, set()),
        ({"important": "1"}, set()),
        ({"q": "异响"}, {"complaint_a"}),
        ({"q": "张伟"}, {"complaint_a"}),
        ({"q": "李娜"}, {"recent"}),
        ({"q": "A12345"}, {"complaint_a"}),
        ({"q": "粤A12345"}, {"complaint_a"}),
        ({"q": "13800138000"}, {"complaint_a"}),
        ({"q": "139 1111 2222"}, {"recent"}),
        ({"q": "2222"}, {"recent"}),
        ({"from": "2026-11-16", "to": "2026-11-16"}, {"complaint_a"}),
        ({"state": "bogus", "from": "not a date", "sort": "x"}, {"complaint_a", "recent"}),
        ({"from": "0001-01-01", "to": "9999-12-31", "page": "-3"}, {"complaint_a", "recent"}),
    ],
)
def test_it_filters(client, cr_manager_a, complaint_a, recent, params, expected):
    # complaint_a (2026-11-16) was acknowledged by the manager, and is long overdue.
    complaint_move(complaint=complaint_a, action="acknowledge", by=cr_manager_a)
    named = {"complaint_a": complaint_a.number, "recent": recent.number}
    client.force_login(cr_manager_a)
    response = client.get(URL, params)
    assert response.status_code == 200
    assert set(numbers(response)) == {named[name] for name in expected}


def test_it_finds_a_complaint_by_its_number(client, cr_manager_a, complaint_a, recent):
    client.force_login(cr_manager_a)
    assert numbers(client.get(URL, {"q": recent.number.lower()})) == [recent.number]
    assert set(numbers(client.get(URL, {"q": recent.number[:6]}))) == {
        recent.number,
        complaint_a.number,
    }


def test_it_marks_important_and_escalated_complaints(client, cr_manager_a, care_a):
    register(
        care_a,
        cr_manager_a,
        contact_name="赵强",
        contact_phone="13600001111",
        loss_amount=Decimal("50000"),
    )
    client.force_login(cr_manager_a)
    html = client.get(URL, {"important": "1"}).content.decode()
    assert 'data-testid="important"' in html and 'data-testid="escalation"' in html


def test_it_sorts_by_the_resolution_deadline(client, cr_manager_a, complaint_a, recent):
    client.force_login(cr_manager_a)
    assert numbers(client.get(URL, {"sort": "due"})) == [complaint_a.number, recent.number]


def test_it_keeps_filters_across_pages_and_caps_the_count(
    client, cr_manager_a, care_a, monkeypatch
):
    customer = make_customer(care_a, name="陈静")
    for day in range(4):
        register(care_a, cr_manager_a, customer=customer, subject=f"第{day}次投诉")
    monkeypatch.setattr(board, "PAGE_SIZE", 2)
    monkeypatch.setattr(board, "COUNT_CAP", 3)
    client.force_login(cr_manager_a)
    response = client.get(URL, {"category": "repair_quality", "page": "2"})
    page = response.context["page"]
    assert page.number == 2 and page.capped and not page.has_next
    html = response.content.decode()
    assert "category=repair_quality&amp;page=1" in html
    assert "共 3 条以上" in html


def test_it_does_not_count_a_text_search(client, cr_manager_a, care_a, monkeypatch):
    customer = make_customer(care_a, name="陈静")
    for day in range(3):
        register(care_a, cr_manager_a, customer=customer, subject=f"第{day}次投诉")
    monkeypatch.setattr(board, "PAGE_SIZE", 2)
    client.force_login(cr_manager_a)
    first = client.get(URL, {"q": "陈静"}).context["page"]
    assert first.count is None and first.has_next and len(first) == 2
    second = client.get(URL, {"q": "陈静", "page": "2"}).context["page"]
    assert len(second) == 1 and not second.has_next
    # A page past the end shows the first one.
    assert client.get(URL, {"q": "陈静", "page": "9"}).context["page"].number == 1


def test_it_renders_the_rows_alone_for_htmx(client, cr_manager_a, complaint_a):
    client.force_login(cr_manager_a)
    response = client.get(URL, {"q": "张伟"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert complaint_a.number in html and "<html" not in html


def test_it_narrows_to_the_dealer_chosen_in_the_top_bar(client, dealer_a, dealer_b, care_b):
    manager = UserFactory(username="gm_ab", role=Role.GENERAL_MANAGER, dealers=[dealer_a, dealer_b])
    customer = make_customer(dealer_a, name="周杰")
    a = register(dealer_a, manager, customer=customer)
    b = register(care_b, manager, contact_name="吴敏", contact_phone="13700002222")
    client.force_login(manager)
    session = client.session
    session[SESSION_KEY] = "all"
    session.save()
    assert set(numbers(client.get(URL))) == {a.number, b.number}
    session[SESSION_KEY] = dealer_b.pk
    session.save()
    assert numbers(client.get(URL)) == [b.number]


def test_it_makes_the_same_queries_for_3_or_30_complaints(
    client, cr_manager_a, care_a, django_assert_num_queries
):
    def add(count):
        for _number in range(count):
            customer = make_customer(care_a)
            vehicle = make_vehicle(customer)
            register(care_a, cr_manager_a, customer=customer, vehicle=vehicle, owner=cr_manager_a)

    client.force_login(cr_manager_a)
    add(3)
    client.get(URL)  # warm caches (content types, permissions)
    # session, user, dealers, page rows, count
    with django_assert_num_queries(5):
        client.get(URL, {"state": "open"})
    add(27)
    with django_assert_num_queries(5):
        response = client.get(URL, {"state": "open"})
    assert len(response.context["page"]) == 25
