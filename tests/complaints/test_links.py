"""The contact center's pages lead to a prefilled complaint, and back from its follow-up call."""

from django.urls import reverse

from dcrc.care import hotline
from dcrc.care.choices import TaskKind
from dcrc.care.models import ContactTask
from dcrc.complaints import services
from dcrc.complaints.choices import Action
from tests.complaints.conftest import MONDAY_10
from tests.complaints.test_intake import unhappy_callback
from tests.conftest import login


def task_page(task):
    return reverse("care:task", args=[task.pk])


def test_it_offers_a_follow_up_as_a_complaint_in_one_click(
    client, agent_a, cr_manager_a, customer_a, vehicle_a
):
    callback, follow_up = unhappy_callback(customer_a.dealer, agent_a, customer_a, vehicle_a)
    login(client, cr_manager_a)
    link = reverse("complaints:new") + f"?task={follow_up.pk}"
    assert link in client.get(task_page(follow_up)).content.decode()
    # The closed callback that heard the unhappy customer offers it too.
    assert reverse("complaints:new") + f"?task={callback.pk}" in (
        client.get(task_page(callback)).content.decode()
    )
    # And the managers' list of follow-ups.
    assert link in client.get(reverse("care:follow_ups")).content.decode()
    # The link opens a prefilled draft.
    form = client.get(link).context["form"]
    assert form.initial["contact_task"] == callback


def test_it_offers_no_complaint_for_a_happy_call(client, cr_manager_a, care_a, customer_a):
    task = ContactTask.objects.create(
        dealer=care_a,
        kind=TaskKind.SERVICE_CALLBACK,
        customer=customer_a,
        due_from=MONDAY_10.date(),
        due_until=MONDAY_10.date(),
        source_key="happy",
        satisfaction="satisfied",
        state="done",
    )
    login(client, cr_manager_a)
    assert 'data-testid="raise-complaint"' not in client.get(task_page(task)).content.decode()


def test_it_offers_a_hotline_call_as_a_complaint(client, agent_a, customer_a):
    call = hotline.inbound_call_register(
        dealer=customer_a.dealer, phone="13800138000", call_type="complaint", content="投诉"
    )
    login(client, agent_a)
    html = client.get(reverse("care:call", args=[call.pk])).content.decode()
    assert reverse("complaints:new") + f"?call={call.pk}" in html


def test_it_links_a_complaints_follow_up_call_back_to_the_complaint(
    client, cr_manager_a, complaint_a
):
    for action in (Action.ACKNOWLEDGE, Action.INVESTIGATE, Action.PROPOSE, Action.ACCEPT):
        services.complaint_move(
            complaint=complaint_a, action=action, by=cr_manager_a, solution="免费检修"
        )
    complaint = services.complaint_move(
        complaint=complaint_a, action=Action.RESOLVE, by=cr_manager_a, resolution="已修复"
    )
    login(client, cr_manager_a)
    html = client.get(task_page(complaint.follow_up_task)).content.decode()
    assert 'data-testid="complaint-link"' in html
    assert complaint.get_absolute_url() in html
    assert 'data-testid="raise-complaint"' not in html
