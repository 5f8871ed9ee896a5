"""The workshop (domain §8): dispatch of job lines to stations and technicians, the kanban,
quality control and rework, tools and equipment, and the workshop's configuration.

Services (writes) are one transaction each and move the repair order only through
service.orders.order_step, the one place steps are logged. Selectors read with a fixed number
of queries whatever the number of vehicles in the shop.

Job line states: waiting → dispatched → in work → done. The order follows its lines:
confirmed → dispatched when every line has a station and a technician; dispatched → in work at
the first start; in work → QC (or rework → QC) when every line is done. QC passes (→ ready) or
fails (→ rework: the rework owner's lines go back to dispatched to be done again).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from dcrc.core.models import Dealer, User
from dcrc.core.tenancy import scoped_dealer_ids

from .choices import (
    IN_SHOP_STATES,
    WORKSHOP_STATES,
    JobState,
    OrderAction,
    OrderState,
    QcItem,
    QcResult,
    StationKind,
)
from .models import JobLine, LabourItem, QualityCheck, RepairOrder, Station, Tool, ToolCheckout
from .orders import order_locked, order_step

# Orders in which lines can be dispatched (new lines come in while work goes on).
DISPATCHABLE_STATES = (
    OrderState.CONFIRMED,
    OrderState.DISPATCHED,
    OrderState.IN_WORK,
    OrderState.REWORK,
)
WORKING_STATES = (OrderState.DISPATCHED, OrderState.IN_WORK, OrderState.REWORK)
MAX_PLANNED_HOURS = Decimal("200")
# The kanban shows at most this many vehicles; a workshop holds far fewer.
KANBAN_LIMIT = 500
TOOL_DEFAULT_HOURS = 8


def _now(at: datetime.datetime | None) -> datetime.datetime:
    return at or timezone.now()


def _is_staff_of(user: User | None, dealer_id: int) -> bool:
    return user is not None and user.is_active and user.dealers.filter(pk=dealer_id).exists()


# --- dispatch (派工) -------------------------------------------------------------------------


@dataclass
class LineDispatch:
    """What the dispatcher gives one job line."""

    line: JobLine
    station: Station | None
    technician: User | None
    planned_hours: Decimal | None = None
    planned_start: datetime.datetime | None = None
    planned_end: datetime.datetime | None = None
    equipment_needed: str = ""


def _dispatch_errors(order: RepairOrder, item: LineDispatch, prefix: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    line, station, technician = item.line, item.station, item.technician
    if line.order_id != order.pk:
        errors[f"{prefix}line"] = [_("The line is not on this repair order.")]
        return errors
    if line.state in (JobState.IN_WORK, JobState.DONE):
        errors[f"{prefix}line"] = [
            _("“%(line)s” is already %(state)s; it is not dispatched again.")
            % {"line": line.name, "state": line.get_state_display()}
        ]
    if line.added_in_revision > order.confirmed_revision:
        errors[f"{prefix}line"] = [
            _("The customer has not confirmed “%(line)s” yet.") % {"line": line.name}
        ]
    if station is None:
        errors[f"{prefix}station"] = [_("Choose a station.")]
    elif station.dealer_id != order.dealer_id or not station.active:
        errors[f"{prefix}station"] = [_("Choose an active station of this dealer.")]
    if technician is None:
        errors[f"{prefix}technician"] = [_("Choose a technician.")]
    elif station is not None and not _station_has(station, technician):
        errors[f"{prefix}technician"] = [
            _("%(technician)s does not work at %(station)s.")
            % {"technician": technician, "station": station}
        ]
    hours = item.planned_hours
    if hours is not None and not Decimal("0") < hours <= MAX_PLANNED_HOURS:
        errors[f"{prefix}planned_hours"] = [_("Plan between 0.1 and 200 hours.")]
    if item.planned_start and item.planned_end and item.planned_end <= item.planned_start:
        errors[f"{prefix}planned_end"] = [_("The planned end must come after the start.")]
    return errors


def _station_has(station: Station, technician: User) -> bool:
    if station.team_lead_id == technician.pk:
        return True
    return station.technicians.filter(pk=technician.pk).exists()


def _apply_dispatch(item: LineDispatch, now: datetime.datetime) -> JobLine:
    line = item.line
    hours = item.planned_hours or line.billed_hours or line.standard_hours or Decimal("1")
    start = item.planned_start or now
    end = item.planned_end or start + datetime.timedelta(hours=float(hours))
    line.station, line.technician = item.station, item.technician
    line.planned_hours, line.planned_start, line.planned_end = hours, start, end
    line.equipment_needed = item.equipment_needed.strip()[:200]
    line.state = JobState.DISPATCHED
    line.save()
    return line


@transaction.atomic
def repair_order_dispatch(
    *,
    order: RepairOrder,
    by: User,
    lines: list[LineDispatch],
    at: datetime.datetime | None = None,
) -> RepairOrder:
    """Dispatch (or re-dispatch) job lines to stations and technicians with planned times.

    A confirmed order moves on to dispatched once every one of its job lines is dispatched.
    Errors are keyed `line-<id>-<field>` so the form shows them on the line's row.
    """
    now = _now(at)
    order = order_locked(order)
    if order.state not in DISPATCHABLE_STATES:
        raise ValidationError(
            {
                "action": [
                    _("Work is not dispatched while the repair order is “%(state)s”.")
                    % {"state": order.get_state_display()}
                ]
            }
        )
    if not lines:
        raise ValidationError({"lines": [_("Choose the lines to dispatch.")]})
    errors: dict[str, list[str]] = {}
    fresh = {line.pk: line for line in JobLine.objects.filter(pk__in=[i.line.pk for i in lines])}
    for item in lines:
        item.line = fresh.get(item.line.pk, item.line)
        errors |= _dispatch_errors(order, item, f"line-{item.line.pk}-")
    if errors:
        raise ValidationError(errors)
    for item in lines:
        _apply_dispatch(item, now)
    waiting = order.job_lines.filter(state=JobState.WAITING).exists()
    if order.state == OrderState.CONFIRMED and not waiting:
        order_step(order, action=OrderAction.DISPATCH, by=by, at=now)
    return order


def job_line_dispatch(
    *,
    line: JobLine,
    by: User,
    station: Station | None,
    technician: User | None,
    planned_hours: Decimal | None = None,
    planned_start: datetime.datetime | None = None,
    planned_end: datetime.datetime | None = None,
    equipment_needed: str = "",
    at: datetime.datetime | None = None,
) -> JobLine:
    """Dispatch or re-dispatch one line (another station or technician, new planned times)."""
    item = LineDispatch(
        line=line,
        station=station,
        technician=technician,
        planned_hours=planned_hours,
        planned_start=planned_start,
        planned_end=planned_end,
        equipment_needed=equipment_needed,
    )
    try:
        repair_order_dispatch(order=line.order, by=by, lines=[item], at=at)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        prefix = f"line-{line.pk}-"
        raise ValidationError(
            {key.removeprefix(prefix): messages for key, messages in error.message_dict.items()}
        ) from None
    return JobLine.objects.get(pk=line.pk)


# --- the technician's start and finish ---------------------------------------------------


def _may_work_on(line: JobLine, by: User) -> bool:
    """The line's technician, or the dispatcher / a manager on their behalf."""
    return line.technician_id == by.pk or by.has_perm("service.dispatch")


@transaction.atomic
def job_line_start(*, line: JobLine, by: User, at: datetime.datetime | None = None) -> JobLine:
    """The technician starts a dispatched line; the order's first start puts it in work."""
    now = _now(at)
    order = order_locked(line.order)
    line = JobLine.objects.select_for_update().get(pk=line.pk)
    if not _may_work_on(line, by):
        raise ValidationError({"line": [_("This job is dispatched to another technician.")]})
    if line.state != JobState.DISPATCHED:
        raise ValidationError(
            {
                "line": [
                    _("A job that is “%(state)s” is not started.")
                    % {"state": line.get_state_display()}
                ]
            }
        )
    if order.state not in WORKING_STATES:
        raise ValidationError(
            {
                "line": [
                    _("Work does not start while the repair order is “%(state)s”.")
                    % {"state": order.get_state_display()}
                ]
            }
        )
    if line.added_in_revision > order.confirmed_revision:
        raise ValidationError({"line": [_("The customer has not confirmed this work yet.")]})
    line.state = JobState.IN_WORK
    if line.actual_start is None:
        line.actual_start = now
    line.actual_end = None
    line.save(update_fields=["state", "actual_start", "actual_end"])
    if order.state == OrderState.DISPATCHED:
        order_step(order, action=OrderAction.START, by=by, at=now)
    return line


@transaction.atomic
def job_line_finish(
    *,
    line: JobLine,
    by: User,
    delay_reason: str = "",
    at: datetime.datetime | None = None,
) -> JobLine:
    """The technician finishes a line; when every line is done the order goes to QC."""
    now = _now(at)
    order = order_locked(line.order)
    line = JobLine.objects.select_for_update().get(pk=line.pk)
    if not _may_work_on(line, by):
        raise ValidationError({"line": [_("This job is dispatched to another technician.")]})
    if line.state != JobState.IN_WORK:
        raise ValidationError({"line": [_("Only a job in work is finished.")]})
    delay_reason = delay_reason.strip()
    line.state, line.actual_end = JobState.DONE, now
    if delay_reason:
        line.delay_reason = delay_reason[:200]
    line.save(update_fields=["state", "actual_end", "delay_reason"])
    if order.job_lines.exclude(state=JobState.DONE).exists():
        return line
    values = {"work_finished_at": now}
    if order.state == OrderState.IN_WORK:
        order_step(order, action=OrderAction.FINISH, by=by, at=now, update_fields=values)
    elif order.state == OrderState.REWORK:
        order_step(order, action=OrderAction.REWORK_DONE, by=by, at=now, update_fields=values)
    return line


# --- quality control (竣工检验) ------------------------------------------------------------


def qc_planned_completion(order: RepairOrder, lines: list[JobLine]) -> datetime.datetime | None:
    """The promised time, else the latest planned end of the lines."""
    if order.promised_at:
        return order.promised_at
    ends = [line.planned_end for line in lines if line.planned_end]
    return max(ends) if ends else None


@transaction.atomic
def quality_check_record(
    *,
    order: RepairOrder,
    by: User,
    result: str,
    checklist: list[str],
    delay_reason: str = "",
    rework_reason: str = "",
    rework_owner: User | None = None,
    penalty: Decimal = Decimal("0"),
    note: str = "",
    at: datetime.datetime | None = None,
) -> QualityCheck:
    """Inspect a finished order: a pass (every check-list item ticked) makes it ready for
    delivery; a fail sends it to rework, the rework owner's lines dispatched to them again."""
    now = _now(at)
    order = order_locked(order)
    if order.state != OrderState.QC:
        raise ValidationError(
            {
                "result": [
                    _("Only an order waiting for QC is inspected; this one is “%(state)s”.")
                    % {"state": order.get_state_display()}
                ]
            }
        )
    errors: dict[str, list[str]] = {}
    if result not in QcResult.values:
        errors["result"] = [_("Choose pass or fail.")]
    unknown = set(checklist) - set(QcItem.values)
    if unknown:
        errors["checklist"] = [_("Unknown check-list items.")]
    missing = [QcItem(item).label for item in QcItem.values if item not in checklist]
    if result == QcResult.PASS and missing:
        errors["checklist"] = [
            _("A pass needs every item checked; missing: %s.") % "、".join(map(str, missing))
        ]
    lines = list(order.job_lines.all())
    planned = qc_planned_completion(order, lines)
    actual = order.work_finished_at or now
    delay_reason = delay_reason.strip()
    if planned and actual > planned and not delay_reason:
        errors["delay_reason"] = [_("The work finished after the planned time: say why.")]
    rework_reason = rework_reason.strip()
    if penalty is None or penalty < 0 or penalty > Decimal("100000"):
        errors["penalty"] = [_("Enter a penalty from 0 up.")]
    if result == QcResult.FAIL:
        if not rework_reason:
            errors["rework_reason"] = [_("Say what must be reworked.")]
        if rework_owner is None:
            errors["rework_owner"] = [_("Choose who does the rework.")]
        elif not _is_staff_of(rework_owner, order.dealer_id):
            errors["rework_owner"] = [_("Choose a technician of this dealer.")]
    elif penalty:
        errors["penalty"] = [_("A penalty goes with a failed check only.")]
    if errors:
        raise ValidationError(errors)
    check = QualityCheck.objects.create(
        dealer_id=order.dealer_id,
        order=order,
        inspector=by,
        result=result,
        checklist=[item for item in QcItem.values if item in checklist],
        planned_completion=planned,
        actual_completion=actual,
        delay_reason=delay_reason[:200],
        rework_reason=rework_reason[:200] if result == QcResult.FAIL else "",
        rework_owner=rework_owner if result == QcResult.FAIL else None,
        penalty=penalty or Decimal("0"),
        note=note.strip()[:300],
        at=now,
    )
    if result == QcResult.PASS:
        order_step(
            order,
            action=OrderAction.QC_PASS,
            by=by,
            at=now,
            note=delay_reason,
            update_fields={"ready_at": now},
        )
        return check
    owned = [line for line in lines if line.technician_id == rework_owner.pk] or lines
    JobLine.objects.filter(pk__in=[line.pk for line in owned]).update(
        state=JobState.DISPATCHED, technician=rework_owner, actual_end=None
    )
    order_step(order, action=OrderAction.QC_FAIL, by=by, at=now, note=rework_reason)
    return check


# --- tools and equipment (工具设备) --------------------------------------------------------


@transaction.atomic
def tool_checkout(
    *,
    tool: Tool,
    holder: User | None,
    by: User,
    order: RepairOrder | None = None,
    due_back_at: datetime.datetime | None = None,
    at: datetime.datetime | None = None,
) -> ToolCheckout:
    """A technician takes a tool out, for a repair order or not, due back by a time."""
    now = _now(at)
    tool = Tool.objects.select_for_update().get(pk=tool.pk)
    errors: dict[str, list[str]] = {}
    if not tool.active:
        errors["tool"] = [_("This tool is out of service.")]
    elif ToolCheckout.objects.filter(tool=tool, in_at__isnull=True).exists():
        errors["tool"] = [_("This tool is already out; check it in first.")]
    if holder is None:
        errors["holder"] = [_("Choose who takes the tool.")]
    elif not _is_staff_of(holder, tool.dealer_id):
        errors["holder"] = [_("Choose someone of this dealer.")]
    if order is not None and (
        order.dealer_id != tool.dealer_id or order.state not in IN_SHOP_STATES
    ):
        errors["order"] = [_("Choose a repair order of a vehicle in the shop.")]
    due = due_back_at or now + datetime.timedelta(hours=TOOL_DEFAULT_HOURS)
    if due <= now:
        errors["due_back_at"] = [_("The tool is due back later than now.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return ToolCheckout.objects.create(
                dealer_id=tool.dealer_id,
                tool=tool,
                holder=holder,
                order=order,
                out_at=now,
                due_back_at=due,
                recorded_by=by,
            )
    except IntegrityError:
        raise ValidationError(
            {"tool": [_("This tool is already out; check it in first.")]}
        ) from None


@transaction.atomic
def tool_checkin(
    *,
    checkout: ToolCheckout,
    by: User,
    condition_note: str = "",
    at: datetime.datetime | None = None,
) -> ToolCheckout:
    now = _now(at)
    checkout = ToolCheckout.objects.select_for_update().get(pk=checkout.pk)
    if checkout.in_at is not None:
        raise ValidationError({"checkout": [_("This tool is already back.")]})
    checkout.in_at = now
    checkout.condition_note = condition_note.strip()[:200]
    checkout.save(update_fields=["in_at", "condition_note"])
    return checkout


# --- configuration: stations and the labour catalogue --------------------------------------

STATION_FIELDS = ("code", "name", "kind", "bays", "team_lead", "active")
LABOUR_FIELDS = ("code", "name", "work_type", "standard_hours", "rate", "active")


@transaction.atomic
def station_save(
    *,
    dealer: Dealer,
    by: User,
    station: Station | None = None,
    technicians: list[User] | None = None,
    **fields: Any,
) -> Station:
    """Create or change a station (code unique per dealer, its team lead and technicians)."""
    unknown = set(fields) - set(STATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown station fields: {sorted(unknown)}")
    station = station or Station(dealer=dealer)
    if station.dealer_id != dealer.pk:
        raise ValidationError({"code": [_("This station belongs to another dealer.")]})
    for name, value in fields.items():
        setattr(station, name, value.strip() if isinstance(value, str) else value)
    errors: dict[str, list[str]] = {}
    if not station.code:
        errors["code"] = [_("Give the station a code.")]
    elif Station.objects.filter(dealer=dealer, code=station.code).exclude(pk=station.pk).exists():
        errors["code"] = [_("Another station has this code.")]
    if not station.name:
        errors["name"] = [_("Give the station a name.")]
    if station.kind not in StationKind.values:
        errors["kind"] = [_("Choose the kind of station.")]
    if not station.bays or not 1 <= station.bays <= 50:
        errors["bays"] = [_("Enter 1 to 50 bays.")]
    people = [*(technicians or []), *([station.team_lead] if station.team_lead else [])]
    staff = set(
        User.objects.filter(pk__in=[p.pk for p in people], dealers=dealer).values_list(
            "pk", flat=True
        )
    )
    if station.team_lead and station.team_lead.pk not in staff:
        errors["team_lead"] = [_("Choose someone of this dealer.")]
    if any(t.pk not in staff for t in technicians or []):
        errors["technicians"] = [_("Choose technicians of this dealer.")]
    if errors:
        raise ValidationError(errors)
    station.save()
    if technicians is not None:
        station.technicians.set(technicians)
    return station


@transaction.atomic
def labour_item_save(
    *, dealer: Dealer, by: User, item: LabourItem | None = None, **fields: Any
) -> LabourItem:
    """Create or change a labour catalogue item; lines already on orders keep their values."""
    unknown = set(fields) - set(LABOUR_FIELDS)
    if unknown:
        raise TypeError(f"unknown labour item fields: {sorted(unknown)}")
    item = item or LabourItem(dealer=dealer)
    if item.dealer_id != dealer.pk:
        raise ValidationError({"code": [_("This item belongs to another dealer.")]})
    for name, value in fields.items():
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    errors: dict[str, list[str]] = {}
    if not item.code:
        errors["code"] = [_("Give the item a code.")]
    elif LabourItem.objects.filter(dealer=dealer, code=item.code).exclude(pk=item.pk).exists():
        errors["code"] = [_("Another item has this code.")]
    if not item.name:
        errors["name"] = [_("Name the work.")]
    if item.work_type not in StationKind.values:
        errors["work_type"] = [_("Choose a work type.")]
    for name, top in (("standard_hours", Decimal("200")), ("rate", Decimal("100000"))):
        value = getattr(item, name)
        if value is None or not Decimal("0") <= value <= top:
            errors[name] = [_("Enter a number from 0 to %(top)s.") % {"top": top}]
        elif value != value.quantize(Decimal("0.01")):
            errors[name] = [_("At most two decimals.")]
    if errors:
        raise ValidationError(errors)
    item.save()
    return item


# --- selectors -------------------------------------------------------------------------------


def workshop_orders(*, user: User, dealer: Dealer | None = None):
    return RepairOrder.objects.filter(
        dealer_id__in=scoped_dealer_ids(user, dealer), state__in=WORKSHOP_STATES
    )


def workshop_order(*, user: User, pk: int) -> RepairOrder:
    """One repair order of the user's dealers (DoesNotExist otherwise: a 404)."""
    return (
        RepairOrder.objects.for_user(user)
        .select_related("customer", "vehicle", "advisor", "dealer")
        .get(pk=pk)
    )


def _lines_prefetch() -> Prefetch:
    return Prefetch(
        "job_lines",
        queryset=JobLine.objects.select_related("station", "technician").order_by("id"),
    )


def _checks_prefetch() -> Prefetch:
    return Prefetch(
        "quality_checks",
        queryset=QualityCheck.objects.select_related("inspector", "rework_owner").order_by(
            "at", "id"
        ),
    )


# The kanban's columns, in the order a vehicle goes through them.
KANBAN_COLUMNS = (
    (OrderState.CONFIRMED, gettext_lazy("Waiting for dispatch")),
    (OrderState.DISPATCHED, pgettext_lazy("kanban", "Dispatched")),
    (OrderState.IN_WORK, pgettext_lazy("kanban", "In work")),
    (OrderState.QC, pgettext_lazy("kanban", "Quality check")),
    (OrderState.REWORK, pgettext_lazy("kanban", "Rework")),
    (OrderState.READY, pgettext_lazy("kanban", "Ready for delivery")),
)


@dataclass
class KanbanCard:
    """One vehicle on the board, its times already written out (the board renders 200 fast)."""

    order_id: int
    number: str
    state: str
    plate: str
    customer: str
    series: str
    stations: str
    technicians: str
    inspector: str
    planned: str  # "09:10–10:40"
    actual: str  # "09:15–…"
    due: str  # the planned completion, "12-03 16:00"
    late: bool
    late_lines: int


@dataclass
class KanbanColumn:
    state: str
    label: Any
    cards: list[KanbanCard] = field(default_factory=list)


@dataclass
class Kanban:
    """The board; `order_url` is the workshop page of an order without its id ("…/orders/")."""

    columns: list[KanbanColumn]
    total: int
    late: int
    stations: list[Station]
    station: Station | None
    now: datetime.datetime
    capped: bool


def _clock(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%H:%M") if value else ""


def _card(order: dict, lines: list[dict], inspector: str, names, now) -> KanbanCard:
    starts = [line["planned_start"] for line in lines if line["planned_start"]]
    ends = [line["planned_end"] for line in lines if line["planned_end"]]
    actual_starts = [line["actual_start"] for line in lines if line["actual_start"]]
    actual_ends = [line["actual_end"] for line in lines if line["actual_end"]]
    planned_completion = order["promised_at"] or (max(ends) if ends else None)
    late_lines = sum(
        1
        for line in lines
        if line["planned_end"] and (line["actual_end"] or now) > line["planned_end"]
    )
    finished = order["state"] == OrderState.READY
    done_at = order["ready_at"] if finished else now
    late = bool(planned_completion and done_at and done_at > planned_completion) or bool(
        late_lines and not finished
    )
    actual = ""
    if actual_starts:
        all_done = len(actual_ends) == len(lines)
        actual = f"{_clock(min(actual_starts))}–{_clock(max(actual_ends)) if all_done else '…'}"
    station_names, technician_names = names
    return KanbanCard(
        order_id=order["id"],
        number=order["number"],
        state=order["state"],
        plate=order["vehicle__plate"] or order["vehicle__vin"],
        customer=order["customer__name"],
        series=order["vehicle__series"] or "",
        stations="、".join(
            sorted({station_names.get(line["station_id"], "") for line in lines} - {""})
        ),
        technicians="、".join(
            sorted({technician_names.get(line["technician_id"], "") for line in lines} - {""})
        ),
        inspector=inspector,
        planned=f"{_clock(min(starts))}–{_clock(max(ends))}" if starts and ends else "",
        actual=actual,
        due=timezone.localtime(planned_completion).strftime("%m-%d %H:%M")
        if planned_completion
        else "",
        late=late,
        late_lines=late_lines,
    )


def workshop_kanban(
    *,
    user: User,
    dealer: Dealer | None,
    station_id: int | None = None,
    now: datetime.datetime | None = None,
) -> Kanban:
    """Every vehicle in the workshop by state: 5 queries whatever their number, read as
    plain values (no model instances) so that 200 vehicles render in a few tens of ms."""
    now = _now(now)
    dealer_ids = scoped_dealer_ids(user, dealer)
    every_station = list(
        Station.objects.filter(dealer_id__in=dealer_ids).order_by("dealer_id", "code")
    )
    stations = [s for s in every_station if s.active]
    station = next((s for s in stations if s.pk == station_id), None)
    orders = RepairOrder.objects.filter(dealer_id__in=dealer_ids, state__in=WORKSHOP_STATES)
    if station is not None:
        orders = orders.filter(pk__in=JobLine.objects.filter(station=station).values("order_id"))
    rows = list(
        orders.order_by("opened_at", "id").values(
            "id",
            "number",
            "state",
            "promised_at",
            "ready_at",
            "customer__name",
            "vehicle__plate",
            "vehicle__vin",
            "vehicle__series",
        )[: KANBAN_LIMIT + 1]
    )
    capped = len(rows) > KANBAN_LIMIT
    rows = rows[:KANBAN_LIMIT]
    ids = [row["id"] for row in rows]
    lines: dict[int, list[dict]] = {}
    for line in (
        JobLine.objects.filter(order_id__in=ids)
        .order_by("id")
        .values(
            "order_id",
            "station_id",
            "technician_id",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
        )
    ):
        lines.setdefault(line["order_id"], []).append(line)
    # The latest round's inspector of each order.
    inspectors = dict(
        QualityCheck.objects.filter(order_id__in=ids)
        .order_by("at", "id")
        .values_list("order_id", "inspector_id")
    )
    people = {line["technician_id"] for group in lines.values() for line in group}
    people |= set(inspectors.values())
    people.discard(None)
    names = {
        pk: display or username
        for pk, display, username in User.objects.filter(pk__in=people).values_list(
            "id", "display_name", "username"
        )
    }
    station_names = {s.pk: s.name for s in every_station}
    columns = {state: KanbanColumn(state=state, label=label) for state, label in KANBAN_COLUMNS}
    late = 0
    for row in rows:
        card = _card(
            row,
            lines.get(row["id"], []),
            names.get(inspectors.get(row["id"]), ""),
            (station_names, names),
            now,
        )
        late += card.late
        columns[row["state"]].cards.append(card)
    return Kanban(
        columns=list(columns.values()),
        total=len(rows),
        late=late,
        stations=stations,
        station=station,
        now=now,
        capped=capped,
    )


@dataclass
class StationLoad:
    station: Station
    technicians: list[User]
    open_lines: int
    planned_hours: Decimal


def station_loads(*, user: User, dealer: Dealer | None) -> list[StationLoad]:
    """Hours planned on each station's open lines, its team lead and technicians (3 queries)."""
    dealer_ids = scoped_dealer_ids(user, dealer)
    open_lines = Q(job_lines__state__in=(JobState.DISPATCHED, JobState.IN_WORK))
    stations = (
        Station.objects.filter(dealer_id__in=dealer_ids)
        .select_related("team_lead")
        .prefetch_related("technicians")
        .annotate(
            open_count=Count("job_lines", filter=open_lines),
            open_hours=Sum("job_lines__planned_hours", filter=open_lines),
        )
        .order_by("dealer_id", "code")
    )
    return [
        StationLoad(
            station=station,
            technicians=list(station.technicians.all()),
            open_lines=station.open_count,
            planned_hours=station.open_hours or Decimal("0"),
        )
        for station in stations
    ]


def my_jobs(*, user: User, dealer: Dealer | None, now: datetime.datetime | None = None):
    """The technician's dispatched and in-work lines, then those they finished today."""
    now = _now(now)
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    lines = (
        JobLine.objects.filter(
            dealer_id__in=scoped_dealer_ids(user, dealer),
            technician=user,
            order__state__in=WORKSHOP_STATES,
        )
        .filter(
            Q(state__in=(JobState.DISPATCHED, JobState.IN_WORK))
            | Q(state=JobState.DONE, actual_end__gte=today)
        )
        .select_related("order", "order__vehicle", "order__customer", "station")
        .order_by("planned_start", "id")
    )
    rows = list(lines[:100])
    active = [line for line in rows if line.state != JobState.DONE]
    done = [line for line in rows if line.state == JobState.DONE]
    return active, done


def dispatch_choices(*, order: RepairOrder) -> tuple[list[Station], list[User]]:
    """The dealer's active stations (with their technicians) and its workshop staff."""
    stations = list(
        Station.objects.filter(dealer_id=order.dealer_id, active=True)
        .select_related("team_lead")
        .prefetch_related("technicians")
        .order_by("code")
    )
    people: dict[int, User] = {}
    for station in stations:
        for person in [*station.technicians.all(), station.team_lead]:
            if person is not None:
                people.setdefault(person.pk, person)
    return stations, sorted(people.values(), key=lambda u: str(u))


def dealer_technicians(*, dealer_id: int):
    from dcrc.core.choices import Role

    return User.objects.filter(
        dealers__id=dealer_id, is_active=True, role__in=(Role.TECHNICIAN, Role.DISPATCHER)
    ).order_by("username")


def qc_queue(*, user: User, dealer: Dealer | None):
    """Orders waiting for QC, the oldest finished first."""
    return (
        workshop_orders(user=user, dealer=dealer)
        .filter(state=OrderState.QC)
        .select_related("customer", "vehicle")
        .prefetch_related(_lines_prefetch(), _checks_prefetch())
        .order_by("work_finished_at", "id")[:100]
    )


@dataclass
class ToolRow:
    tool: Tool
    checkout: ToolCheckout | None
    overdue: bool


def tool_board(*, user: User, dealer: Dealer | None, now: datetime.datetime | None = None):
    """Every tool with who has it now (2 queries); the overdue ones first."""
    now = _now(now)
    dealer_ids = scoped_dealer_ids(user, dealer)
    tools = list(Tool.objects.filter(dealer_id__in=dealer_ids).order_by("dealer_id", "code")[:500])
    open_checkouts = {
        checkout.tool_id: checkout
        for checkout in ToolCheckout.objects.filter(
            tool__in=[t.pk for t in tools], in_at__isnull=True
        ).select_related("holder", "order")
    }
    rows = []
    for tool in tools:
        checkout = open_checkouts.get(tool.pk)
        overdue = bool(checkout and checkout.due_back_at and checkout.due_back_at < now)
        rows.append(ToolRow(tool=tool, checkout=checkout, overdue=overdue))
    rows.sort(key=lambda row: (not row.overdue, row.checkout is None, row.tool.code))
    return rows


def order_panel(*, order: RepairOrder, user: User) -> dict[str, Any]:
    """The workshop's part of the repair-order page (templates/service/workshop/partials/
    order_panel.html): what it needs beyond `order`, read with a fixed number of queries."""
    now = timezone.now()
    lines = list(
        JobLine.objects.filter(order=order).select_related("station", "technician").order_by("id")
    )
    checks = list(
        QualityCheck.objects.filter(order=order)
        .select_related("inspector", "rework_owner")
        .order_by("at", "id")
    )
    tools = list(
        ToolCheckout.objects.filter(order=order, in_at__isnull=True).select_related(
            "tool", "holder"
        )
    )
    return {
        "workshop_lines": lines,
        "workshop_checks": checks,
        "workshop_tools": tools,
        "workshop_now": now,
        "workshop_can_dispatch": user.has_perm("service.dispatch")
        and order.state in DISPATCHABLE_STATES,
        "workshop_can_qc": user.has_perm("service.qc") and order.state == OrderState.QC,
        "workshop_waiting": sum(1 for line in lines if line.state == JobState.WAITING),
    }
