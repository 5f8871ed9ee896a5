"""Reception, the repair order page, the order list and the advisor's dashboard.

Thin views: each checks the permission, reads through order_selectors (tenancy: another
dealer's order answers 404), calls one service of service.orders, and renders the page or,
for an htmx request, the partial.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dcrc.core.forms import form_errors_apply, form_submit
from dcrc.core.tenancy import scoped_dealer_ids
from dcrc.customers.models import Vehicle
from dcrc.customers.selectors import customer_lookup
from dcrc.parts import requisitions
from dcrc.parts.models import Part

from . import order_selectors as selectors
from . import orders, settlement, workshop
from .choices import BusinessType, OrderAction, OrderState
from .forms_orders import (
    CancelForm,
    ConfirmForm,
    JobLineAddForm,
    JobLineChangeForm,
    PartLineAddForm,
    PartLineChangeForm,
    ReceptionEditForm,
    ReceptionForm,
)
from .models import Appointment, JobLine, LabourItem, PartLine, RepairOrder

can_view = permission_required("service.view", raise_exception=True)
can_receive = permission_required("service.reception", raise_exception=True)

# The steps taken on this page; the workshop's and the cashier's are in their panels.
RECEPTION_STEPS = (
    OrderAction.ESTIMATE,
    OrderAction.CONFIRM,
    OrderAction.RELEASE,
    OrderAction.CANCEL,
)


def _int(value) -> int | None:
    value = str(value or "")
    return int(value) if value.isdigit() and len(value) < 12 else None


# Ids beyond the database's integers are not found (rather than a database error).
ID_MAX = 2**63 - 1


def _order_or_404(request, pk: int) -> RepairOrder:
    if pk > ID_MAX:
        raise Http404
    try:
        return selectors.order_for_user(user=request.user, pk=pk)
    except RepairOrder.DoesNotExist:
        raise Http404 from None


def _error_messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


# --- reception ------------------------------------------------------------------------------


@login_required
@can_receive
def reception(request):
    """Reception (接车): find the car, note what the customer says, open the order."""
    dealer_ids = scoped_dealer_ids(request.user, request.dealer)
    appointment = None
    appointment_id = _int(request.POST.get("appointment") or request.GET.get("appointment"))
    if appointment_id:
        try:
            appointment = selectors.appointment_for_reception(user=request.user, pk=appointment_id)
        except Appointment.DoesNotExist:
            raise Http404 from None
    initial = {}
    if appointment is not None:
        initial = {
            "appointment": appointment.pk,
            "vehicle": appointment.vehicle_id,
            "lookup": appointment.vehicle.plate or appointment.vehicle.vin,
            "customer_description": appointment.requested_work,
            "contact_name": appointment.contact_name,
            "contact_phone": appointment.contact_phone,
            "odometer": appointment.vehicle.mileage or None,
        }
        if appointment.visit_type:
            initial["visit_type"] = appointment.visit_type
    form = ReceptionForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        vehicle = (
            Vehicle.objects.filter(pk=form.cleaned_data["vehicle"], dealer_id__in=dealer_ids)
            .select_related("owner__membership_level")
            .first()
        )
        if vehicle is None:
            form.add_error("vehicle", _("Find the customer and pick the vehicle."))
        else:
            try:
                order = orders.repair_order_open(
                    vehicle=vehicle,
                    by=request.user,
                    appointment=appointment,
                    **form.service_arguments(),
                )
            except ValidationError as error:
                form_errors_apply(form, error)
            else:
                messages.success(
                    request, _("Repair order %(number)s opened.") % {"number": order.number}
                )
                return redirect(order)
    if form.is_bound:
        query, chosen_vehicle = form.data.get("lookup", ""), form.data.get("vehicle", "")
    else:
        query, chosen_vehicle = initial.get("lookup", ""), str(initial.get("vehicle", ""))
    chosen = _int(chosen_vehicle)
    vehicle = (
        Vehicle.objects.filter(pk=chosen, dealer_id__in=dealer_ids).select_related("owner").first()
        if chosen
        else None
    )
    lookup = customer_lookup(
        dealer_ids=dealer_ids, query=query, chosen=vehicle.owner_id if vehicle else None
    )
    context = {
        "form": form,
        "appointment": appointment,
        "lookup": lookup,
        "chosen_vehicle": chosen_vehicle,
        "vehicle_info": _vehicle_info(vehicle) if vehicle else None,
        "insurance": BusinessType.INSURANCE,
    }
    return render(
        request, "service/orders/reception.html", context, status=422 if form.errors else 200
    )


def _vehicle_info(vehicle: Vehicle) -> dict:
    open_order = RepairOrder.objects.in_shop().filter(vehicle=vehicle).only("id", "number").first()
    return {
        "vehicle": vehicle,
        "last_visit": selectors.vehicle_last_visit(vehicle),
        "open_order": open_order,
    }


@login_required
@can_receive
def reception_lookup(request):
    """htmx: the customers and their cars matching the plate, VIN or phone typed."""
    lookup = customer_lookup(
        dealer_ids=scoped_dealer_ids(request.user, request.dealer),
        query=request.GET.get("lookup", ""),
    )
    return render(
        request,
        "service/orders/partials/reception_lookup.html",
        {"lookup": lookup, "chosen_vehicle": ""},
    )


@login_required
@can_receive
def reception_vehicle(request, pk: int):
    """htmx: the picked car's last visit and recorded mileage, shown by the odometer."""
    if pk > ID_MAX:
        raise Http404
    vehicle = (
        Vehicle.objects.filter(pk=pk, dealer_id__in=scoped_dealer_ids(request.user))
        .select_related("owner__membership_level")
        .first()
    )
    if vehicle is None:
        raise Http404
    return render(request, "service/orders/partials/vehicle_info.html", _vehicle_info(vehicle))


# --- the order list and the advisor's dashboard ---------------------------------------------


@login_required
@can_view
def order_list(request):
    filters = selectors.OrderFilter.from_params(request.GET)
    rows = selectors.order_list(user=request.user, dealer=request.dealer, filters=filters)
    page = Paginator(rows, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "now": timezone.now(),
        "states": OrderState.choices,
        "advisors": selectors.order_advisors(user=request.user, dealer=request.dealer),
        "extra_params": "".join(
            urlencode({name: value}) + "&" for name, value in filters.active.items()
        ),
    }
    template = (
        "service/orders/partials/list_rows.html" if request.htmx else "service/orders/list.html"
    )
    return render(request, template, context)


@login_required
@can_view
def advisor_board(request):
    """The service advisor's desk (服务顾问工作台): today's bookings, cars in, cars ready."""
    mine = request.GET.get("mine") == "1"
    board = selectors.advisor_board(
        user=request.user, dealer=request.dealer, now=timezone.now(), mine=mine
    )
    template = (
        "service/orders/partials/board_body.html" if request.htmx else "service/orders/board.html"
    )
    return render(request, template, {"board": board, "mine": mine})


# --- the repair order page ------------------------------------------------------------------


def _steps(request, order: RepairOrder) -> list[str]:
    if not request.user.has_perm("service.reception"):
        return []
    possible = orders.order_steps(order)
    steps = [step for step in RECEPTION_STEPS if step in possible]
    if (
        OrderAction.CONFIRM not in steps
        and order.confirmed_at is not None
        and order.awaiting_confirmation
        and order.state in orders.EDITABLE_STATES
    ):
        steps.insert(0, OrderAction.CONFIRM)
    return steps


def _lines_context(request, order: RepairOrder, **extra) -> dict:
    page = selectors.order_page(order)
    editable = order.state in orders.EDITABLE_STATES and request.user.has_perm("service.reception")
    return {
        "order": order,
        "page": page,
        "editable": editable,
        "totals": selectors.order_totals(order),
        "steps": _steps(request, order),
        # What comes next elsewhere (the workshop's, the QC's and the cashier's steps).
        "next_elsewhere": [
            OrderAction(step).label
            for step in orders.order_steps(order)
            if step not in RECEPTION_STEPS
        ],
        "reveal_phone": request.user.has_perm("customers.reveal_phone"),
        "can_edit": order.state in selectors.RECEPTION_EDITABLE_STATES
        and request.user.has_perm("service.reception"),
        **extra,
    }


def _panels(order: RepairOrder, user) -> dict:
    """The areas' panels (workshop, parts, settlement): each hook's keys go into the page's
    context as they are, and under `<area>_panel` as well."""
    workshop_panel = workshop.order_panel(order=order, user=user)
    parts_panel = requisitions.order_panel(order=order, user=user)
    settlement_panel = settlement.order_panel(order=order, user=user)
    return {
        **workshop_panel,
        **parts_panel,
        **settlement_panel,
        "workshop_panel": workshop_panel,
        "parts_panel": parts_panel,
        "settlement_panel": settlement_panel,
    }


@login_required
@can_view
def order_detail(request, pk: int):
    order = _order_or_404(request, pk)
    now = timezone.now()
    context = {
        **_panels(order, request.user),
        "now": now,
        "late": order.promised_at is not None
        and order.promised_at < now
        and order.state in selectors.NOT_READY_STATES,
        **_lines_context(request, order),
        "confirm_form": ConfirmForm(),
        "cancel_form": CancelForm(),
        "part_form": PartLineAddForm(),
        "job_form": JobLineAddForm(),
        "OrderAction": OrderAction,
    }
    return render(request, "service/orders/detail.html", context)


def _lines_answer(request, order: RepairOrder, errors: list[str] | None = None):
    """After a line changed: the lines block (htmx) with the header's steps out of band, or
    back to the page."""
    if request.htmx:
        order = _order_or_404(request, order.pk)
        context = _lines_context(request, order, line_errors=errors or [], oob=True)
        return render(request, "service/orders/partials/lines.html", context)
    for message in errors or []:
        messages.error(request, message)
    return redirect(order)


def _form_messages(form) -> list[str]:
    return [
        f"{form.fields[name].label}: {message}"
        if name in form.fields and form.fields[name].label
        else str(message)
        for name, field_errors in form.errors.items()
        for message in field_errors
    ]


def _run(request, order: RepairOrder, form, run) -> object:
    if form_submit(form, run):
        return _lines_answer(request, order)
    return _lines_answer(request, order, _form_messages(form))


@login_required
@can_view
def labour_search(request, pk: int):
    order = _order_or_404(request, pk)
    items = selectors.labour_search(dealer_id=order.dealer_id, query=request.GET.get("q", ""))
    return render(
        request, "service/orders/partials/labour_results.html", {"order": order, "items": items}
    )


@login_required
@can_view
def part_search(request, pk: int):
    order = _order_or_404(request, pk)
    parts = selectors.part_search(dealer_id=order.dealer_id, query=request.GET.get("q", ""))
    return render(
        request, "service/orders/partials/part_results.html", {"order": order, "parts": parts}
    )


@require_POST
@login_required
@can_receive
def job_line_add(request, pk: int):
    order = _order_or_404(request, pk)
    form = JobLineAddForm(request.POST)

    def run():
        data = form.cleaned_data
        item = None
        if data["labour_item"]:
            item = LabourItem.objects.filter(
                pk=data["labour_item"], dealer_id=order.dealer_id
            ).first()
            if item is None:
                raise ValidationError({"name": [_("Choose an item of this dealer.")]})
        orders.job_line_add(
            order=order,
            by=request.user,
            labour_item=item,
            name=data["name"],
            work_type=data["work_type"],
            standard_hours=data["standard_hours"],
            billed_hours=data["billed_hours"],
            rate=data["rate"],
            discount_pct=data["discount_pct"],
        )

    return _run(request, order, form, run)


def _job_line_or_404(order: RepairOrder, line_pk: int) -> JobLine:
    line = None if line_pk > ID_MAX else JobLine.objects.filter(pk=line_pk, order=order).first()
    if line is None:
        raise Http404
    return line


def _part_line_or_404(order: RepairOrder, line_pk: int) -> PartLine:
    line = None if line_pk > ID_MAX else PartLine.objects.filter(pk=line_pk, order=order).first()
    if line is None:
        raise Http404
    return line


def _line_remove(request, order: RepairOrder, remove):
    """Run a line's removal and answer the lines partial, with the refusal if there is one."""
    try:
        remove()
    except ValidationError as error:
        return _lines_answer(request, order, _error_messages(error))
    return _lines_answer(request, order)


@require_POST
@login_required
@can_receive
def job_line_change(request, pk: int, line: int):
    order = _order_or_404(request, pk)
    job = _job_line_or_404(order, line)
    form = JobLineChangeForm(request.POST)
    return _run(
        request,
        order,
        form,
        lambda: orders.job_line_change(line=job, by=request.user, **form.cleaned_data),
    )


@require_POST
@login_required
@can_receive
def job_line_remove(request, pk: int, line: int):
    order = _order_or_404(request, pk)
    job = _job_line_or_404(order, line)
    return _line_remove(request, order, lambda: orders.job_line_remove(line=job, by=request.user))


@require_POST
@login_required
@can_receive
def part_line_add(request, pk: int):
    order = _order_or_404(request, pk)
    form = PartLineAddForm(request.POST)

    def run():
        part = Part.objects.filter(pk=form.cleaned_data["part"], dealer_id=order.dealer_id).first()
        if part is None:
            raise ValidationError({"part": [_("Choose a part of this dealer.")]})
        orders.part_line_add(
            order=order, part=part, quantity=form.cleaned_data["quantity"], by=request.user
        )

    return _run(request, order, form, run)


@require_POST
@login_required
@can_receive
def part_line_change(request, pk: int, line: int):
    order = _order_or_404(request, pk)
    part_line = _part_line_or_404(order, line)
    form = PartLineChangeForm(request.POST)
    return _run(
        request,
        order,
        form,
        lambda: orders.part_line_change(line=part_line, by=request.user, **form.cleaned_data),
    )


@require_POST
@login_required
@can_receive
def part_line_remove(request, pk: int, line: int):
    order = _order_or_404(request, pk)
    part_line = _part_line_or_404(order, line)
    return _line_remove(
        request, order, lambda: orders.part_line_remove(line=part_line, by=request.user)
    )


@login_required
@can_receive
def order_edit(request, pk: int):
    """Correct the reception details (repair_order_update)."""
    order = _order_or_404(request, pk)
    initial = {name: getattr(order, name) for name in orders.RECEPTION_FIELDS}
    form = ReceptionEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form_submit(
        form,
        lambda: orders.repair_order_update(
            order=order, by=request.user, **form.service_arguments()
        ),
    ):
        messages.success(request, _("Reception details saved."))
        return redirect(order)
    context = {"form": form, "order": order, "insurance": BusinessType.INSURANCE}
    return render(request, "service/orders/edit.html", context, status=422 if form.errors else 200)


# --- steps ----------------------------------------------------------------------------------


def _step_answer(request, order: RepairOrder, run, done: str):
    try:
        run()
    except ValidationError as error:
        for message in _error_messages(error):
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect(order)


@require_POST
@login_required
@can_receive
def order_estimate(request, pk: int):
    order = _order_or_404(request, pk)
    return _step_answer(
        request,
        order,
        lambda: orders.repair_order_estimate(order=order, by=request.user),
        _("Estimate made: have the customer confirm it."),
    )


@require_POST
@login_required
@can_receive
def order_confirm(request, pk: int):
    order = _order_or_404(request, pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        for message in _form_messages(form):
            messages.error(request, message)
        return redirect(order)
    return _step_answer(
        request,
        order,
        lambda: orders.repair_order_confirm(order=order, by=request.user, **form.cleaned_data),
        _("The customer confirmed the estimate."),
    )


@require_POST
@login_required
@can_receive
def order_cancel(request, pk: int):
    order = _order_or_404(request, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        for message in _form_messages(form):
            messages.error(request, message)
        return redirect(order)
    return _step_answer(
        request,
        order,
        lambda: orders.repair_order_cancel(
            order=order, by=request.user, reason=form.cleaned_data["reason"]
        ),
        _("Repair order cancelled."),
    )


@require_POST
@login_required
@can_receive
def order_release(request, pk: int):
    order = _order_or_404(request, pk)
    return _step_answer(
        request,
        order,
        lambda: orders.repair_order_release(order=order, by=request.user),
        _("Vehicle released: the visit is recorded and the callback is queued."),
    )
