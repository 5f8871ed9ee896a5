"""In-app notices: the bell, the list, marking read, each user seeing only their own."""

import pytest
from django.urls import reverse

from dcrc.core.models import Notification
from dcrc.core.notifications import Notice, notify

pytestmark = pytest.mark.django_db


def tell(user, key, url="/complaints/"):
    notify(
        users=[user],
        dealer_id=None,
        notice=Notice(key=key, title=f"通知 {key}", url=url),
        email=False,
    )
    return Notification.objects.get(user=user, key=key)


def test_it_shows_the_unread_count_and_the_latest_in_the_bell(client, agent_a, cr_manager_a):
    for number in range(10):
        tell(agent_a, f"k{number}")
    tell(cr_manager_a, "other")
    client.force_login(agent_a)
    response = client.get(reverse("notifications_bell"))
    assert response.context["count"] == 10
    assert [n.key for n in response.context["latest"]] == [f"k{n}" for n in range(9, 1, -1)]
    assert b'data-testid="unread-count">10<' in response.content


def test_the_bell_costs_two_indexed_queries(client, agent_a, django_assert_num_queries):
    tell(agent_a, "k1")
    client.force_login(agent_a)
    client.get(reverse("notifications_bell"))
    # session, user, dealers, unread count, latest unread
    with django_assert_num_queries(5):
        client.get(reverse("notifications_bell"))


def test_the_bell_is_in_the_navbar_for_logged_in_users_only(client, agent_a):
    assert b"notification-bell" not in client.get(reverse("login")).content
    client.force_login(agent_a)
    assert b'id="notification-bell"' in client.get(reverse("home")).content


def test_it_lists_only_the_users_own_notices(client, agent_a, cr_manager_a):
    mine = tell(agent_a, "mine")
    tell(cr_manager_a, "theirs")
    client.force_login(agent_a)
    response = client.get(reverse("notifications"))
    assert [n.pk for n in response.context["page"]] == [mine.pk]


def test_it_marks_one_notice_read(client, agent_a):
    first, second = tell(agent_a, "a"), tell(agent_a, "b")
    client.force_login(agent_a)
    response = client.post(reverse("notifications_read"), {"id": first.pk})
    assert response.status_code == 302
    first.refresh_from_db(), second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_it_marks_all_read(client, agent_a, cr_manager_a):
    tell(agent_a, "a"), tell(agent_a, "b")
    theirs = tell(cr_manager_a, "c")
    client.force_login(agent_a)
    response = client.post(reverse("notifications_read"), headers={"HX-Request": "true"})
    assert response.context["count"] == 0
    assert not Notification.objects.filter(user=agent_a, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_it_cannot_mark_someone_elses_notice(client, agent_a, cr_manager_a):
    theirs = tell(cr_manager_a, "c")
    client.force_login(agent_a)
    client.post(reverse("notifications_read"), {"id": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_notice_marks_it_read_and_follows_its_link(client, agent_a, cr_manager_a):
    notice = tell(agent_a, "a", url="/care/")
    client.force_login(agent_a)
    response = client.get(reverse("notification_open", args=[notice.pk]))
    assert response.status_code == 302 and response.url == "/care/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    theirs = tell(cr_manager_a, "b")
    assert client.get(reverse("notification_open", args=[theirs.pk])).status_code == 404


def test_it_never_follows_a_link_to_another_site(client, agent_a):
    notice = tell(agent_a, "a", url="https://evil.example/")
    client.force_login(agent_a)
    response = client.get(reverse("notification_open", args=[notice.pk]))
    assert response.url == reverse("notifications")


def test_it_filters_unread_and_paginates(client, agent_a):
    for number in range(30):
        tell(agent_a, f"k{number}")
    Notification.objects.filter(key="k0").update(read_at="2026-01-01T00:00:00Z")
    client.force_login(agent_a)
    page = client.get(reverse("notifications"), {"unread": "1"}).context["page"]
    assert page.paginator.count == 29 and len(page) == 25
