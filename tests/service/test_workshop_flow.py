"""Dispatch, start and finish, QC pass / fail / rework: every state move the workshop makes."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dcrc.service import orders, workshop
from dcrc.service.choices import JobState, OrderAction, OrderState, QcItem, QcResult
from dcrc.service.models import JobLine, RepairOrderEvent
from dcrc.service.workshop import LineDispatch
from tests.factories import UserFactory, make_confirmed_order, make_station

ALL_ITEMS = list(QcItem.values)


@pytest.fixture
def order(car_a, advisor_a, oil_change, brake_job):
    return make_confirmed_order(
        car_a,
        advisor_a,
        [oil_change, brake_job],
        promised_at=timezone.now() + datetime.timedelta(hours=6),
    )


@pytest.fixture
def mech_bay(dealer_a, technician_a):
    return make_station(
        dealer_a, code="J1", name="机修工位1", kind="mechanical", technicians=[technician_a]
    )


def dispatch_all(order, by, station, technician):
    return workshop.repair_order_dispatch(
        order=order,
        by=by,
        lines=[
            LineDispatch(line=line, station=station, technician=technician)
            for line in order.job_lines.all()
        ],
    )


def work_all(order, technician):
    for line in order.job_lines.all():
        workshop.job_line_start(line=line, by=technician)
    for line in order.job_lines.all():
        workshop.job_line_finish(line=line, by=technician)
    order.refresh_from_db()
    return order


def actions(order):
    return list(RepairOrderEvent.objects.filter(order=order).values_list("action", flat=True))


def test_it_dispatches_every_line_and_moves_the_order(order, dispatcher_a, quick_bay, technician_a):
    lines = list(order.job_lines.all())
    workshop.repair_order_dispatch(
        order=order,
        by=dispatcher_a,
        lines=[LineDispatch(line=lines[0], station=quick_bay, technician=technician_a)],
    )
    order.refresh_from_db()
    assert order.state == OrderState.CONFIRMED  # one line is still waiting

    start = timezone.now() + datetime.timedelta(hours=1)
    workshop.repair_order_dispatch(
        order=order,
        by=dispatcher_a,
        lines=[
            LineDispatch(
                line=lines[1],
                station=quick_bay,
                technician=technician_a,
                planned_hours=Decimal("2"),
                planned_start=start,
                equipment_needed="举升机、维修手册",
            )
        ],
    )
    order.refresh_from_db()
    assert order.state == OrderState.DISPATCHED
    line = JobLine.objects.get(pk=lines[1].pk)
    assert line.state == JobState.DISPATCHED
    assert line.planned_end == start + datetime.timedelta(hours=2)
    assert line.equipment_needed == "举升机、维修手册"
    first = JobLine.objects.get(pk=lines[0].pk)
    assert first.planned_hours == first.billed_hours  # the default plan: the billed hours
    assert actions(order)[-1] == OrderAction.DISPATCH


def test_it_refuses_a_technician_of_another_station(order, dispatcher_a, quick_bay, dealer_a):
    stranger = UserFactory(username="tech_other", role="technician", dealers=[dealer_a])
    with pytest.raises(ValidationError) as error:
        dispatch_all(order, dispatcher_a, quick_bay, stranger)
    assert any(key.endswith("-technician") for key in error.value.message_dict)
    order.refresh_from_db()
    assert order.state == OrderState.CONFIRMED


def test_it_refuses_a_station_of_another_dealer(order, dispatcher_a, dealer_b, technician_a):
    foreign = make_station(dealer_b, code="X1", technicians=[technician_a])
    with pytest.raises(ValidationError) as error:
        dispatch_all(order, dispatcher_a, foreign, technician_a)
    assert any(key.endswith("-station") for key in error.value.message_dict)


def test_it_refuses_to_dispatch_an_order_not_confirmed(
    order_a, oil_change, advisor_a, dispatcher_a, quick_bay, technician_a
):
    line = orders.job_line_add(order=order_a, labour_item=oil_change, by=advisor_a)
    with pytest.raises(ValidationError) as error:
        workshop.job_line_dispatch(
            line=line, by=dispatcher_a, station=quick_bay, technician=technician_a
        )
    assert "action" in error.value.message_dict


def test_it_refuses_unconfirmed_new_work(
    order, dispatcher_a, advisor_a, quick_bay, technician_a, brake_job
):
    dispatch_all(order, dispatcher_a, quick_bay, technician_a)
    extra = orders.job_line_add(order=order, labour_item=brake_job, by=advisor_a)
    with pytest.raises(ValidationError) as error:
        workshop.job_line_dispatch(
            line=extra, by=dispatcher_a, station=quick_bay, technician=technician_a
        )
    assert "confirmed" in str(error.value) or "确认" in str(error.value)
    orders.repair_order_confirm(order=order, by=advisor_a, signed_on_paper=True)
    workshop.job_line_dispatch(
        line=extra, by=dispatcher_a, station=quick_bay, technician=technician_a
    )


def test_it_redispatches_a_line_to_another_station(
    order, dispatcher_a, quick_bay, mech_bay, technician_a
):
    dispatch_all(order, dispatcher_a, quick_bay, technician_a)
    line = order.job_lines.first()
    line = workshop.job_line_dispatch(
        line=line,
        by=dispatcher_a,
        station=mech_bay,
        technician=technician_a,
        planned_hours=Decimal("3"),
    )
    assert (line.station, line.planned_hours) == (mech_bay, Decimal("3"))


def test_it_refuses_bad_planned_times(order, dispatcher_a, quick_bay, technician_a):
    line = order.job_lines.first()
    start = timezone.now()
    with pytest.raises(ValidationError) as error:
        workshop.job_line_dispatch(
            line=line,
            by=dispatcher_a,
            station=quick_bay,
            technician=technician_a,
            planned_hours=Decimal("0"),
            planned_start=start,
            planned_end=start - datetime.timedelta(hours=1),
        )
    assert set(error.value.message_dict) == {"planned_hours", "planned_end"}


def test_start_and_finish_take_the_order_to_qc(order, dispatcher_a, quick_bay, technician_a):
    dispatch_all(order, dispatcher_a, quick_bay, technician_a)
    first, second = order.job_lines.all()
    workshop.job_line_start(line=first, by=technician_a)
    order.refresh_from_db()
    assert order.state == OrderState.IN_WORK
    first.refresh_from_db()
    assert first.state == JobState.IN_WORK and first.actual_start is not None
    workshop.job_line_finish(line=first, by=technician_a)
    order.refresh_from_db()
    assert order.state == OrderState.IN_WORK  # the second line is not done
    workshop.job_line_start(line=second, by=technician_a)
    workshop.job_line_finish(line=second, by=technician_a, delay_reason="等配件")
    order.refresh_from_db()
    assert order.state == OrderState.QC
    assert order.work_finished_at is not None
    assert JobLine.objects.get(pk=second.pk).delay_reason == "等配件"
    assert actions(order)[-3:] == [OrderAction.DISPATCH, OrderAction.START, OrderAction.FINISH]


def test_it_refuses_start_and_finish_out_of_turn(
    order, dispatcher_a, quick_bay, technician_a, dealer_a
):
    line = order.job_lines.first()
    with pytest.raises(ValidationError):
        workshop.job_line_start(line=line, by=technician_a)  # not dispatched
    dispatch_all(order, dispatcher_a, quick_bay, technician_a)
    with pytest.raises(ValidationError):
        workshop.job_line_finish(line=line, by=technician_a)  # not started
    other = UserFactory(username="tech_b2", role="technician", dealers=[dealer_a])
    with pytest.raises(ValidationError):
        workshop.job_line_start(line=line, by=other)  # not theirs
    workshop.job_line_start(line=line, by=dispatcher_a)  # the dispatcher may, on their behalf
    with pytest.raises(ValidationError):
        workshop.job_line_start(line=line, by=technician_a)  # already in work


def test_qc_pass_makes_the_order_ready(order, dispatcher_a, quick_bay, technician_a, qc_a):
    dispatch_all(order, dispatcher_a, quick_bay, technician_a)
    order = work_all(order, technician_a)
    check = workshop.quality_check_record(
        order=order, by=qc_a, result=QcResult.PASS, checklist=ALL_ITEMS
    )
    order.refresh_from_db()
    assert order.state == OrderState.READY and order.ready_at is not None
    assert check.inspector == qc_a and check.checklist == ALL_ITEMS
    assert check.planned_completion == order.promised_at
    assert actions(order)[-1] == OrderAction.QC_PASS


def test_qc_pass_needs_every_item(order, dispatcher_a, quick_bay, technician_a, qc_a):
    dispatch_all(order, dispatcher_a, quick_bay, technician_a)
    order = work_all(order, technician_a)
    with pytest.raises(ValidationError) as error:
        workshop.quality_check_record(
            order=order, by=qc_a, result=QcResult.PASS, checklist=ALL_ITEMS[:-1]
        )
    assert "checklist" in error.value.message_dict
    order.refresh_from_db()
    assert order.state == OrderState.QC


def test_qc_fail_sends_the_owners_lines_to_rework_and_back_to_qc(
    order, dispatcher_a, quick_bay, technician_a, qc_a
):
    dispatch_all(order, dispatcher_a, quick_bay, technician_a)
    order = work_all(order, technician_a)
    with pytest.raises(ValidationError) as error:
        workshop.quality_check_record(order=order, by=qc_a, result=QcResult.FAIL, checklist=[])
    assert {"rework_reason", "rework_owner"} <= set(error.value.message_dict)

    check = workshop.quality_check_record(
        order=order,
        by=qc_a,
        result=QcResult.FAIL,
        checklist=ALL_ITEMS[:3],
        rework_reason="刹车异响",
        rework_owner=technician_a,
        penalty=Decimal("50"),
    )
    order.refresh_from_db()
    assert order.state == OrderState.REWORK
    assert check.penalty == Decimal("50") and check.rework_owner == technician_a
    assert set(order.job_lines.values_list("state", flat=True)) == {JobState.DISPATCHED}
    with pytest.raises(ValidationError):  # no QC while in rework
        workshop.quality_check_record(
            order=order, by=qc_a, result=QcResult.PASS, checklist=ALL_ITEMS
        )

    order = work_all(order, technician_a)
    assert order.state == OrderState.QC
    assert actions(order)[-2:] == [OrderAction.QC_FAIL, OrderAction.REWORK_DONE]
    workshop.quality_check_record(order=order, by=qc_a, result=QcResult.PASS, checklist=ALL_ITEMS)
    order.refresh_from_db()
    assert order.state == OrderState.READY
    assert order.quality_checks.count() == 2


def test_qc_late_needs_a_delay_reason_and_a_pass_has_no_penalty(
    car_a, advisor_a, oil_change, dispatcher_a, quick_bay, technician_a, qc_a
):
    order = make_confirmed_order(
        car_a, advisor_a, [oil_change], promised_at=timezone.now() - datetime.timedelta(hours=1)
    )
    dispatch_all(order, dispatcher_a, quick_bay, technician_a)
    order = work_all(order, technician_a)
    with pytest.raises(ValidationError) as error:
        workshop.quality_check_record(
            order=order, by=qc_a, result=QcResult.PASS, checklist=ALL_ITEMS, penalty=Decimal("10")
        )
    assert {"delay_reason", "penalty"} == set(error.value.message_dict)
    workshop.quality_check_record(
        order=order, by=qc_a, result=QcResult.PASS, checklist=ALL_ITEMS, delay_reason="配件晚到"
    )
    assert order.quality_checks.get().delay_reason == "配件晚到"


def test_qc_refused_before_the_work_is_finished(order, qc_a):
    with pytest.raises(ValidationError) as error:
        workshop.quality_check_record(
            order=order, by=qc_a, result=QcResult.PASS, checklist=ALL_ITEMS
        )
    assert "result" in error.value.message_dict


def test_a_cancelled_order_is_not_dispatched(
    order, advisor_a, dispatcher_a, quick_bay, technician_a
):
    orders.repair_order_cancel(order=order, by=advisor_a, reason="客户改期")
    with pytest.raises(ValidationError):
        dispatch_all(order, dispatcher_a, quick_bay, technician_a)
