"""Demo: today's workshop at a dealer — vehicles waiting for dispatch, dispatched, in work (one
late), at QC, in rework and ready, with tools checked out (one overdue).

Everything goes through the services (service.orders to open and confirm, service.workshop to
dispatch, work, inspect and lend tools). Idempotent: a dealer whose workshop has dispatched
work or lent a tool already is left alone. Needs the demo catalogue (demo_catalogue_load).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction

from dcrc.core.choices import Role
from dcrc.core.models import Dealer, User
from dcrc.customers.choices import VisitType
from dcrc.customers.models import Vehicle

from . import orders, workshop
from .choices import IN_SHOP_STATES, QcItem, QcResult
from .models import JobLine, LabourItem, RepairOrder, Station, Tool, ToolCheckout

H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)
# Technicians of the demo workshop besides the demo login "tech" (no password: not logins).
TECHNICIANS = [
    ("wang", "王师傅", ["Q1", "Q2"]),
    ("chen", "陈师傅", ["J1", "J2"]),
    ("liu", "刘师傅", ["B1", "P1"]),
]
# (labour codes, where the order is taken to, hours since it was opened, customer's words)
SCENES = [
    (["M001", "M009"], "confirmed", 0.5, "常规保养"),
    (["J101"], "confirmed", 0.3, "刹车有异响"),
    (["M001", "M002", "M003"], "dispatched", 1.0, "4万公里保养"),
    (["J108"], "dispatched", 0.8, "空调不凉"),
    (["M001", "M009"], "in_work", 1.5, "保养灯亮"),
    (["J104", "J110"], "in_work_late", 6.0, "更换正时皮带"),
    (["B202", "P302"], "in_work", 4.0, "左前叶子板刮蹭，保险报案"),
    (["M006", "M007"], "qc", 2.5, "方向跑偏"),
    (["J105"], "qc", 1.2, "车辆打不着火"),
    (["M001", "J109"], "rework", 3.0, "保养并更换雨刮"),
    (["M001"], "ready", 3.5, "首保"),
    (["J102", "M005"], "ready", 5.0, "后刹车片磨损报警"),
]


def _technicians(dealer: Dealer, users: dict[str, User]) -> dict[str, User]:
    """The demo technicians at their stations; "tech" stays at Q1 and J1."""
    stations = {s.code: s for s in Station.objects.filter(dealer=dealer)}
    people = {"tech": users["tech"]} if "tech" in users else {}
    for key, name, codes in TECHNICIANS:
        user, created = User.objects.get_or_create(
            username=f"ws_{key}_{dealer.code.lower()}",
            defaults={"display_name": name, "role": Role.TECHNICIAN},
        )
        if created:
            user.set_unusable_password()
            user.save()
        user.dealers.add(dealer)
        for code in codes:
            if code in stations:
                stations[code].technicians.add(user)
        people[key] = user
    return people


def _station_for(stations: list[Station], kind: str, rng: random.Random) -> Station:
    same = [s for s in stations if s.kind == kind] or stations
    return rng.choice(same)


def _technician_at(station: Station, people: dict[str, User]) -> User:
    staff = {u.pk for u in station.technicians.all()}
    return next((u for u in people.values() if u.pk in staff), station.team_lead)


def demo_workshop_load(*, dealer: Dealer, users: dict[str, User], now: datetime.datetime) -> None:
    """Twelve repair orders of today in every workshop state, and tools lent out."""
    if (
        JobLine.objects.filter(dealer=dealer, station__isnull=False).exists()
        or ToolCheckout.objects.filter(dealer=dealer).exists()
        or not LabourItem.objects.filter(dealer=dealer).exists()
    ):
        return
    rng = random.Random(dealer.pk * 7919)
    advisor, dispatcher = users["advisor"], users["dispatcher"]
    inspector = users.get("qc") or dispatcher
    with transaction.atomic():
        people = _technicians(dealer, users)
        stations = list(
            Station.objects.filter(dealer=dealer, active=True).prefetch_related("technicians")
        )
        items = {i.code: i for i in LabourItem.objects.filter(dealer=dealer)}
        busy = RepairOrder.objects.filter(dealer=dealer, state__in=IN_SHOP_STATES).values("vehicle")
        vehicles = list(
            Vehicle.objects.filter(dealer=dealer, owner__isnull=False)
            .exclude(pk__in=busy)
            .order_by("id")[: len(SCENES)]
        )
        made = []
        for vehicle, (codes, goal, hours_ago, words) in zip(vehicles, SCENES, strict=False):
            order = _scene(
                vehicle=vehicle,
                labour=[items[c] for c in codes if c in items],
                goal=goal,
                opened=now - hours_ago * H,
                words=words,
                now=now,
                advisor=advisor,
                dispatcher=dispatcher,
                inspector=inspector,
                stations=stations,
                people=people,
                rng=rng,
            )
            made.append(order)
        _tools(dealer, made, people, dispatcher, now)


def _scene(
    *,
    vehicle,
    labour,
    goal,
    opened,
    words,
    now,
    advisor,
    dispatcher,
    inspector,
    stations,
    people,
    rng,
) -> RepairOrder:
    late = goal == "in_work_late"
    promised = opened + (2 * H if late else 5 * H)
    order = orders.repair_order_open(
        vehicle=vehicle,
        by=advisor,
        odometer=vehicle.mileage + rng.randint(300, 4000),
        customer_description=words,
        visit_type=VisitType.PERIODIC_MAINTENANCE if "保养" in words else VisitType.MINOR_REPAIR,
        promised_at=promised,
        at=opened,
    )
    for item in labour:
        orders.job_line_add(order=order, labour_item=item, by=advisor)
    orders.repair_order_estimate(order=order, by=advisor, at=opened + 10 * M)
    order = orders.repair_order_confirm(
        order=order, by=advisor, signed_on_paper=True, at=opened + 15 * M
    )
    if goal == "confirmed":
        return order
    dispatch_at = opened + 20 * M
    plan, start = [], dispatch_at + 10 * M
    for line in order.job_lines.all():
        station = _station_for(stations, line.work_type, rng)
        hours = line.billed_hours or Decimal("1")
        plan.append(
            workshop.LineDispatch(
                line=line,
                station=station,
                technician=_technician_at(station, people),
                planned_hours=hours,
                planned_start=start,
                planned_end=start + datetime.timedelta(hours=float(hours)),
                equipment_needed="VAS 6150 诊断电脑" if line.code.startswith("J") else "",
            )
        )
        start += datetime.timedelta(hours=float(hours))
    workshop.repair_order_dispatch(order=order, by=dispatcher, lines=plan, at=dispatch_at)
    if goal == "dispatched":
        return order
    lines = list(order.job_lines.order_by("id"))
    clock = dispatch_at + 15 * M
    for index, line in enumerate(lines):
        workshop.job_line_start(line=line, by=line.technician, at=clock)
        in_work_now = goal.startswith("in_work") and index == len(lines) - 1
        if in_work_now:
            break
        clock = min(
            clock + datetime.timedelta(hours=float(line.planned_hours)) - 5 * M, now - 20 * M
        )
        workshop.job_line_finish(line=line, by=line.technician, at=clock)
    order.refresh_from_db()
    if goal.startswith("in_work") or order.state != "qc":
        return order
    finished = order.work_finished_at or now
    ticked = list(QcItem.values)
    if goal == "rework":
        owner = lines[0].technician
        workshop.quality_check_record(
            order=order,
            by=inspector,
            result=QcResult.FAIL,
            checklist=[i for i in ticked if i != QcItem.NO_TOOLS_LEFT],
            rework_reason="机舱内遗留抹布，机油液位偏高需重新调整",
            rework_owner=owner,
            penalty=Decimal("50"),
            delay_reason="" if finished <= order.promised_at else "配件到货晚",
            at=finished + 10 * M,
        )
        return order
    if goal == "ready":
        workshop.quality_check_record(
            order=order,
            by=inspector,
            result=QcResult.PASS,
            checklist=ticked,
            delay_reason="" if finished <= order.promised_at else "等待客户确认增项",
            at=finished + 10 * M,
        )
    return order


def _tools(dealer, made, people, dispatcher, now) -> None:
    """Three tools out: one for the timing belt job (overdue since the morning)."""
    tools = {t.code: t for t in Tool.objects.filter(dealer=dealer, active=True)}
    working = [o for o in made if o.state in ("in_work", "dispatched")]
    lends = [
        ("T004", "chen", 0, now - 5 * H, now - H),  # overdue
        ("T002", "chen", 1, now - 2 * H, now + 3 * H),
        ("T003", "wang", 2, now - H, now + 4 * H),
    ]
    for code, who, index, out, due in lends:
        if code not in tools or who not in people:
            continue
        order = working[index] if index < len(working) else None
        workshop.tool_checkout(
            tool=tools[code],
            holder=people[who],
            by=dispatcher,
            order=order,
            due_back_at=due,
            at=out,
        )
