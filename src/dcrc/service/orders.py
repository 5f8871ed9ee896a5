"""Reception and the repair order: opening, lines, estimate, confirmation, every state move.

Each function is one transaction. A step that the state machine refuses, or that lacks what
it needs, raises ValidationError with a message per field (Chinese in the UI).
Workshop steps (dispatch, start, QC) live in service.workshop, money in service.settlement;
both move the order through `order_step()` here, the one place that logs the steps.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from dcrc.core.models import Dealer, User
from dcrc.core.services import sequence_next
from dcrc.customers.choices import VisitSource, VisitType
from dcrc.customers.models import Vehicle
from dcrc.customers.services import MAX_ODOMETER_KM, mileage_correct, service_visit_record
from dcrc.parts.choices import OPEN_RESERVATION_STATES
from dcrc.parts.models import Part, Reservation

from . import pricing
from .appointments import appointment_arrived
from .choices import (
    EDITABLE_STATES,
    AppointmentState,
    BusinessType,
    FuelLevel,
    JobState,
    OrderAction,
    OrderState,
    StationKind,
)
from .models import Appointment, JobLine, LabourItem, PartLine, RepairOrder, RepairOrderEvent

# The steps each action takes, for refusals that name what is possible now.
STEP_METHODS = {
    OrderAction.ESTIMATE: "estimate",
    OrderAction.CONFIRM: "confirm",
    OrderAction.DISPATCH: "dispatch",
    OrderAction.START: "start",
    OrderAction.FINISH: "finish",
    OrderAction.QC_PASS: "qc_pass",
    OrderAction.QC_FAIL: "qc_fail",
    OrderAction.REWORK_DONE: "rework_done",
    OrderAction.SETTLE: "settle",
    OrderAction.RELEASE: "release",
    OrderAction.CANCEL: "cancel",
}
INSURANCE_FIELDS = (
    "insurer",
    "paying_company",
    "insurance_report_no",
    "loss_assessment",
    "injury_loss",
    "property_loss",
    "towing",
    "deductible",
)
RECEPTION_FIELDS = (
    "contact_name",
    "contact_phone",
    "payment_method",
    "fuel_level",
    "customer_description",
    "diagnosis",
    "items_left",
    "promised_at",
    "business_type",
    "visit_type",
    *INSURANCE_FIELDS,
)


def _now(at: datetime.datetime | None) -> datetime.datetime:
    return at or timezone.now()


def order_locked(order: RepairOrder) -> RepairOrder:
    return RepairOrder.objects.select_for_update().get(pk=order.pk)


def order_steps(order: RepairOrder) -> list[str]:
    """The state-machine steps possible now (labels for refusals and the page's buttons)."""
    return [
        action for action, method in STEP_METHODS.items() if can_proceed(getattr(order, method))
    ]


def _refuse(order: RepairOrder, action: str) -> ValidationError:
    message = _("“%(action)s” is not possible while the repair order is “%(state)s”.") % {
        "action": OrderAction(action).label,
        "state": order.get_state_display(),
    }
    possible = "、".join(str(OrderAction(a).label) for a in order_steps(order))
    if possible:
        message += " " + _("Possible now: %s.") % possible
    return ValidationError({"action": [message]})


def order_event(
    order: RepairOrder,
    *,
    action: str,
    by: User,
    at: datetime.datetime,
    from_state: str | None = None,
    note: str = "",
) -> RepairOrderEvent:
    return RepairOrderEvent.objects.create(
        order=order,
        action=action,
        from_state=from_state or order.state,
        to_state=order.state,
        note=note,
        by=by,
        at=at,
    )


def order_step(
    order: RepairOrder,
    *,
    action: str,
    by: User,
    at: datetime.datetime | None = None,
    note: str = "",
    update_fields: dict[str, Any] | None = None,
) -> RepairOrder:
    """Take one state-machine step on a locked order, set `update_fields`, log the event.

    Callers (inside their own transaction) check what the step needs first.
    """
    now = _now(at)
    method = getattr(order, STEP_METHODS[action])
    if not can_proceed(method):
        raise _refuse(order, action)
    from_state = order.state
    method()
    for field, value in (update_fields or {}).items():
        setattr(order, field, value)
    order.save()
    order_event(order, action=action, by=by, at=now, from_state=from_state, note=note)
    return order


# --- opening ---------------------------------------------------------------------------


def _membership_discounts(vehicle: Vehicle, business_type: str, today: datetime.date):
    """The customer's membership discounts, on self-pay work while the card is valid."""
    customer = vehicle.owner
    level = customer.membership_level
    expired = customer.membership_expires is not None and customer.membership_expires < today
    if level is None or expired or business_type != BusinessType.SELF_PAY:
        return Decimal("0"), Decimal("0")
    return level.labour_discount_pct, level.parts_discount_pct


def _reception_errors(fields: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not str(fields.get("customer_description") or "").strip():
        errors["customer_description"] = [_("Write down what the customer describes.")]
    if fields.get("business_type") not in BusinessType.values:
        errors["business_type"] = [_("Choose a business type.")]
    if fields.get("visit_type") not in VisitType.values:
        errors["visit_type"] = [_("Choose a visit type.")]
    if fields.get("fuel_level") not in FuelLevel.values:
        errors["fuel_level"] = [_("Choose the fuel level.")]
    if fields.get("business_type") == BusinessType.INSURANCE:
        if not str(fields.get("insurer") or "").strip():
            errors["insurer"] = [_("Insurance work needs the insurer.")]
        if not str(fields.get("insurance_report_no") or "").strip():
            errors["insurance_report_no"] = [_("Insurance work needs the report number.")]
    for money in ("loss_assessment", "deductible"):
        value = fields.get(money)
        if value is not None and value < 0:
            errors[money] = [_("The amount cannot be negative.")]
    return errors


@transaction.atomic
def repair_order_open(
    *,
    vehicle: Vehicle,
    by: User,
    odometer: int,
    customer_description: str,
    visit_type: str,
    business_type: str = BusinessType.SELF_PAY,
    fuel_level: int = FuelLevel.HALF,
    appointment: Appointment | None = None,
    correction_reason: str = "",
    advisor: User | None = None,
    at: datetime.datetime | None = None,
    **fields: Any,
) -> RepairOrder:
    """Open a repair order at reception, from an appointment or for a walk-in.

    The odometer never reads lower than the vehicle's last recorded reading unless
    `correction_reason` says why; then the correction is recorded at once.
    fields: the other reception fields (contact, payment method, items left, promised time,
    diagnosis) and, for insurance work, the insurance fields.
    """
    now = _now(at)
    unknown = set(fields) - set(RECEPTION_FIELDS)
    if unknown:
        raise TypeError(f"unknown reception fields: {sorted(unknown)}")
    values = {
        **fields,
        "customer_description": customer_description,
        "visit_type": visit_type,
        "business_type": business_type,
        "fuel_level": fuel_level,
    }
    errors = _reception_errors(values)
    correction_reason = correction_reason.strip()
    if odometer is None or not 0 <= odometer <= MAX_ODOMETER_KM:
        errors["odometer"] = [_("Enter the odometer reading in km.")]
    elif odometer < vehicle.mileage and not correction_reason:
        errors["odometer"] = [
            _(
                "The odometer reads %(odometer)s km, lower than the last recorded %(last)s km. "
                "Check the reading, or give a correction reason."
            )
            % {"odometer": odometer, "last": vehicle.mileage}
        ]
    if appointment is not None:
        if appointment.vehicle_id != vehicle.pk:
            errors["appointment"] = [_("The appointment is for another vehicle.")]
        elif appointment.state not in (AppointmentState.BOOKED, AppointmentState.NO_SHOW):
            errors["appointment"] = [_("This appointment is no longer waiting for the car.")]
    if RepairOrder.objects.in_shop().filter(vehicle=vehicle).exists():
        errors["vehicle"] = [_("This vehicle already has an open repair order.")]
    if errors:
        raise ValidationError(errors)
    if odometer < vehicle.mileage:
        mileage_correct(vehicle=vehicle, new_mileage=odometer, reason=correction_reason, by=by)
    labour_pct, parts_pct = _membership_discounts(vehicle, business_type, timezone.localdate(now))
    try:
        with transaction.atomic():  # a double-clicked submit meets the one-open-order rule
            order = _order_create(
                vehicle=vehicle,
                by=by,
                advisor=advisor,
                appointment=appointment,
                odometer=odometer,
                now=now,
                labour_pct=labour_pct,
                parts_pct=parts_pct,
                values=values,
            )
    except IntegrityError:
        raise ValidationError(
            {"vehicle": [_("This vehicle already has an open repair order.")]}
        ) from None
    if appointment is not None:
        # A customer marked no-show who turns up late counts as arrived.
        appointment_arrived(appointment=appointment, order=order, at=now)
    order_event(order, action=OrderAction.OPEN, by=by, at=now)
    return order


def _order_create(
    *, vehicle, by, advisor, appointment, odometer, now, labour_pct, parts_pct, values
) -> RepairOrder:
    number = sequence_next(dealer=Dealer(pk=vehicle.dealer_id), name="repair_order")[0]
    return RepairOrder.objects.create(
        dealer_id=vehicle.dealer_id,
        number=f"RO{timezone.localdate(now):%y%m}{number:05d}",
        appointment=appointment,
        customer_id=vehicle.owner_id,
        vehicle=vehicle,
        advisor=advisor or by,
        odometer=odometer,
        opened_at=now,
        labour_discount_pct=labour_pct,
        parts_discount_pct=parts_pct,
        **{
            field: (value.strip() if isinstance(value, str) else value)
            for field, value in values.items()
            if value is not None
        },
    )


@transaction.atomic
def repair_order_update(*, order: RepairOrder, by: User, **fields: Any) -> RepairOrder:
    """Correct the reception details of an order still in the shop."""
    order = order_locked(order)
    unknown = set(fields) - set(RECEPTION_FIELDS)
    if unknown:
        raise TypeError(f"unknown reception fields: {sorted(unknown)}")
    if order.state in (OrderState.SETTLED, OrderState.RELEASED, OrderState.CANCELLED):
        raise ValidationError({"state": [_("A settled order is no longer changed.")]})
    values = {field: getattr(order, field) for field in RECEPTION_FIELDS} | fields
    errors = _reception_errors(values)
    if errors:
        raise ValidationError(errors)
    for field, value in fields.items():
        setattr(order, field, value.strip() if isinstance(value, str) else value)
    order.save()
    if "business_type" in fields or "deductible" in fields:
        order_money_refresh(order)
    return order


# --- lines and money ---------------------------------------------------------------------


def _editable(order: RepairOrder) -> RepairOrder:
    order = order_locked(order)
    if order.state not in EDITABLE_STATES:
        raise ValidationError(
            {
                "state": [
                    _("Lines cannot change while the repair order is “%(state)s”.")
                    % {"state": order.get_state_display()}
                ]
            }
        )
    return order


def _line_errors(**numbers: Decimal | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, value in numbers.items():
        if value is None:
            continue
        if value < 0 or value > Decimal("9999999"):
            errors[name] = [_("Enter a number from 0 up.")]
        elif name == "discount_pct" and value > 100:
            errors[name] = [_("A discount is between 0 and 100 %.")]
        elif value != value.quantize(Decimal("0.01")):
            errors[name] = [_("At most two decimals.")]
    return errors


def order_money_refresh(order: RepairOrder) -> RepairOrder:
    """Store the order's totals from its lines (summed in SQL), fees and settlement discount
    (fees and discount are set by service.settlement)."""
    jobs = order.job_lines.aggregate(gross=Sum("gross"), amount=Sum("amount"))
    parts = order.part_lines.aggregate(gross=Sum("gross"), amount=Sum("amount"))
    zero = Decimal("0")
    money = pricing.order_money(
        jobs=[pricing.LineMoney(jobs["gross"] or zero, jobs["amount"] or zero)],
        parts=[pricing.LineMoney(parts["gross"] or zero, parts["amount"] or zero)],
        fees=[
            order.management_fee,
            order.materials_fee,
            order.contracting_fee,
            order.rescue_fee,
            order.other_fee,
        ],
        business_type=order.business_type,
        deductible=order.deductible,
        settlement_discount=order.settlement_discount,
    )
    order.labour_gross, order.labour_amount = money.labour_gross, money.labour_amount
    order.parts_gross, order.parts_amount = money.parts_gross, money.parts_amount
    order.total, order.customer_payable = money.total, money.customer_payable
    order.save(
        update_fields=[
            "labour_gross",
            "labour_amount",
            "parts_gross",
            "parts_amount",
            "total",
            "customer_payable",
            "updated_at",
        ]
    )
    return order


def _changed(order: RepairOrder, *, by: User, note: str) -> None:
    """Lines changed: a new revision the customer must confirm if they confirmed one before."""
    order.revision += 1
    order.save(update_fields=["revision", "updated_at"])
    order_money_refresh(order)
    if order.confirmed_revision:
        order_event(order, action=OrderAction.CHANGE, by=by, at=timezone.now(), note=note)


@transaction.atomic
def job_line_add(
    *,
    order: RepairOrder,
    by: User,
    labour_item: LabourItem | None = None,
    name: str = "",
    work_type: str = "",
    standard_hours: Decimal | None = None,
    billed_hours: Decimal | None = None,
    rate: Decimal | None = None,
    discount_pct: Decimal | None = None,
) -> JobLine:
    """Add a labour line, from the catalogue (its values by default) or written in."""
    order = _editable(order)
    if labour_item is not None:
        if labour_item.dealer_id != order.dealer_id:
            raise ValidationError({"labour_item": [_("Choose an item of this dealer.")]})
        name = name or labour_item.name
        work_type = work_type or labour_item.work_type
        standard_hours = labour_item.standard_hours if standard_hours is None else standard_hours
        rate = labour_item.rate if rate is None else rate
    billed_hours = standard_hours if billed_hours is None else billed_hours
    discount_pct = order.labour_discount_pct if discount_pct is None else discount_pct
    errors = _line_errors(
        standard_hours=standard_hours,
        billed_hours=billed_hours,
        rate=rate,
        discount_pct=discount_pct,
    )
    if not name.strip():
        errors["name"] = [_("Name the work.")]
    if work_type not in StationKind.values:
        errors["work_type"] = [_("Choose a work type.")]
    for field, value in (("billed_hours", billed_hours), ("rate", rate)):
        if value is None:
            errors[field] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    money = pricing.line_money(billed_hours, rate, discount_pct)
    line = JobLine.objects.create(
        dealer_id=order.dealer_id,
        order=order,
        labour_item=labour_item,
        code=labour_item.code if labour_item else "",
        name=name.strip()[:100],
        work_type=work_type,
        standard_hours=standard_hours or Decimal("0"),
        billed_hours=billed_hours,
        rate=rate,
        discount_pct=discount_pct,
        gross=money.gross,
        amount=money.amount,
        added_in_revision=order.revision + 1,
    )
    _changed(order, by=by, note=_("Added %(line)s") % {"line": line.name})
    return line


@transaction.atomic
def job_line_change(
    *,
    line: JobLine,
    by: User,
    billed_hours: Decimal | None = None,
    rate: Decimal | None = None,
    discount_pct: Decimal | None = None,
) -> JobLine:
    order = _editable(line.order)
    line = JobLine.objects.get(pk=line.pk)
    if line.state == JobState.DONE:
        raise ValidationError({"line": [_("Finished work is no longer changed.")]})
    errors = _line_errors(billed_hours=billed_hours, rate=rate, discount_pct=discount_pct)
    if errors:
        raise ValidationError(errors)
    line.billed_hours = line.billed_hours if billed_hours is None else billed_hours
    line.rate = line.rate if rate is None else rate
    line.discount_pct = line.discount_pct if discount_pct is None else discount_pct
    money = pricing.line_money(line.billed_hours, line.rate, line.discount_pct)
    line.gross, line.amount = money.gross, money.amount
    line.save()
    _changed(order, by=by, note=_("Changed %(line)s") % {"line": line.name})
    return line


@transaction.atomic
def job_line_remove(*, line: JobLine, by: User) -> None:
    order = _editable(line.order)
    line = JobLine.objects.get(pk=line.pk)
    if line.state in (JobState.IN_WORK, JobState.DONE):
        raise ValidationError({"line": [_("Work already started is not removed.")]})
    name = line.name
    line.delete()
    _changed(order, by=by, note=_("Removed %(line)s") % {"line": name})


@transaction.atomic
def part_line_add(
    *,
    order: RepairOrder,
    part: Part,
    quantity: Decimal,
    by: User,
    unit_price: Decimal | None = None,
    discount_pct: Decimal | None = None,
) -> PartLine:
    """Add a parts line from the catalogue at its sale price (or a price given)."""
    order = _editable(order)
    if part.dealer_id != order.dealer_id:
        raise ValidationError({"part": [_("Choose a part of this dealer.")]})
    unit_price = part.sale_price if unit_price is None else unit_price
    discount_pct = order.parts_discount_pct if discount_pct is None else discount_pct
    errors = _line_errors(quantity=quantity, unit_price=unit_price, discount_pct=discount_pct)
    if quantity is None or quantity <= 0:
        errors["quantity"] = [_("Enter a quantity above zero.")]
    if errors:
        raise ValidationError(errors)
    money = pricing.line_money(quantity, unit_price, discount_pct)
    line = PartLine.objects.create(
        dealer_id=order.dealer_id,
        order=order,
        part=part,
        code=part.code,
        name=part.name,
        unit=part.unit,
        quantity=quantity,
        unit_price=unit_price,
        discount_pct=discount_pct,
        gross=money.gross,
        amount=money.amount,
        added_in_revision=order.revision + 1,
    )
    _changed(order, by=by, note=_("Added %(line)s") % {"line": f"{part.code} {part.name}"})
    return line


@transaction.atomic
def part_line_change(
    *,
    line: PartLine,
    by: User,
    quantity: Decimal | None = None,
    unit_price: Decimal | None = None,
    discount_pct: Decimal | None = None,
) -> PartLine:
    order = _editable(line.order)
    line = PartLine.objects.get(pk=line.pk)
    errors = _line_errors(quantity=quantity, unit_price=unit_price, discount_pct=discount_pct)
    if quantity is not None and quantity <= 0:
        errors["quantity"] = [_("Enter a quantity above zero.")]
    elif quantity is not None and quantity < line.issued_quantity:
        errors["quantity"] = [
            _("%(issued)s are already issued; return them to the warehouse first.")
            % {"issued": line.issued_quantity}
        ]
    if errors:
        raise ValidationError(errors)
    line.quantity = line.quantity if quantity is None else quantity
    line.unit_price = line.unit_price if unit_price is None else unit_price
    line.discount_pct = line.discount_pct if discount_pct is None else discount_pct
    money = pricing.line_money(line.quantity, line.unit_price, line.discount_pct)
    line.gross, line.amount = money.gross, money.amount
    line.save()
    _changed(order, by=by, note=_("Changed %(line)s") % {"line": line.code})
    return line


@transaction.atomic
def part_line_remove(*, line: PartLine, by: User) -> None:
    order = _editable(line.order)
    line = PartLine.objects.get(pk=line.pk)
    if line.issued_quantity:
        raise ValidationError(
            {"line": [_("Parts already issued go back to the warehouse before the line goes.")]}
        )
    code = line.code
    line.delete()
    _changed(order, by=by, note=_("Removed %(line)s") % {"line": code})


# --- estimate and confirmation -------------------------------------------------------------


@transaction.atomic
def repair_order_estimate(
    *, order: RepairOrder, by: User, at: datetime.datetime | None = None
) -> RepairOrder:
    """Present the estimate: the order has its lines, the customer is asked to sign."""
    order = order_locked(order)
    if not order.job_lines.exists() and not order.part_lines.exists():
        raise ValidationError({"lines": [_("Add the work and parts before the estimate.")]})
    return order_step(
        order,
        action=OrderAction.ESTIMATE,
        by=by,
        at=at,
        update_fields={"estimate_amount": order.total},
    )


SIGNATURE_PREFIX = "data:image/png;base64,"
MAX_SIGNATURE_CHARS = 400_000


@transaction.atomic
def repair_order_confirm(
    *,
    order: RepairOrder,
    by: User,
    signature: str = "",
    signed_on_paper: bool = False,
    at: datetime.datetime | None = None,
) -> RepairOrder:
    """The customer confirms the estimate: a signature drawn on screen or a signed printout.

    The first confirmation moves an estimated order on; later ones confirm the lines changed
    since (the order stays where the work is).
    """
    now = _now(at)
    order = order_locked(order)
    signature = signature.strip()
    if signature and (
        not signature.startswith(SIGNATURE_PREFIX) or len(signature) > MAX_SIGNATURE_CHARS
    ):
        raise ValidationError({"signature": [_("The signature could not be read; sign again.")]})
    if not signature and not signed_on_paper:
        raise ValidationError(
            {"signature": [_("Have the customer sign, or mark the printed copy as signed.")]}
        )
    values = {
        "confirmed_revision": order.revision,
        "confirmed_at": now,
        "signature": signature,
        "signed_on_paper": signed_on_paper and not signature,
        "estimate_amount": order.total,
    }
    if order.state == OrderState.ESTIMATED:
        return order_step(order, action=OrderAction.CONFIRM, by=by, at=now, update_fields=values)
    reconfirmable = order.confirmed_at is not None and order.state in EDITABLE_STATES
    if not (reconfirmable and order.awaiting_confirmation):
        raise _refuse(order, OrderAction.CONFIRM)
    for field, value in values.items():
        setattr(order, field, value)
    order.save()
    order_event(order, action=OrderAction.CONFIRM, by=by, at=now, note=_("Changes confirmed"))
    return order


# --- cancellation and release --------------------------------------------------------------


@transaction.atomic
def repair_order_cancel(
    *, order: RepairOrder, by: User, reason: str, at: datetime.datetime | None = None
) -> RepairOrder:
    """Cancel an order before work starts; its reservations go back to free stock."""
    from dcrc.parts.stock import reservation_release

    order = order_locked(order)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the order is cancelled.")]})
    if order.part_lines.filter(issued_quantity__gt=0).exists():
        raise ValidationError(
            {"reason": [_("Parts were issued to this order; return them to the warehouse first.")]}
        )
    order = order_step(
        order,
        action=OrderAction.CANCEL,
        by=by,
        at=at,
        note=reason,
        update_fields={"cancel_reason": reason[:200]},
    )
    own = Q(repair_order=order)
    if order.appointment_id:  # what the booking reserved was for this visit too
        own |= Q(appointment_id=order.appointment_id)
    for reservation in Reservation.objects.filter(own, state__in=OPEN_RESERVATION_STATES):
        reservation_release(reservation=reservation, by=by)
    return order


@transaction.atomic
def repair_order_release(
    *, order: RepairOrder, by: User, at: datetime.datetime | None = None
) -> RepairOrder:
    """Hand the settled vehicle back to the customer.

    The visit goes into the customer's history (type, mileage, spend) through
    customers.services.service_visit_record, the post-service callback is put in the
    contact center's queue, and the vehicle's maintenance plan and mileage estimate are
    recomputed by the planner the contact center reads.
    """
    from dcrc.care.planner import vehicle_plan_refresh
    from dcrc.care.services import service_callback_ensure

    now = _now(at)
    order = order_locked(order)
    if not can_proceed(order.release):
        raise _refuse(order, OrderAction.RELEASE)
    visit, _created = service_visit_record(
        vehicle=order.vehicle,
        visit_date=timezone.localdate(now),
        mileage=order.odometer,
        visit_type=order.visit_type,
        amount=order.total,
        repair_order_no=order.number,
        advisor=order.advisor,
        advisor_name=str(order.advisor),
        description=_order_summary(order),
        source=VisitSource.REPAIR_ORDER,
        released_at=now,
        by=by,
    )
    order = order_step(
        order,
        action=OrderAction.RELEASE,
        by=by,
        at=now,
        update_fields={"released_at": now, "released_by": by, "service_visit": visit},
    )
    service_callback_ensure(visit=visit)
    vehicle_plan_refresh(vehicle=order.vehicle)
    return order


def _order_summary(order: RepairOrder) -> str:
    names = list(order.job_lines.values_list("name", flat=True)[:10])
    return "、".join(names) or order.customer_description
