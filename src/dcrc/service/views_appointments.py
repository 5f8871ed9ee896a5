"""Appointment pages: the day book, booking, the appointment, no-shows, booking settings.

Thin: each view reads through service.appointments' selectors or calls one of its services.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dcrc.care.models import ContactTask
from dcrc.core.forms import form_errors_apply, form_submit
from dcrc.core.models import Dealer
from dcrc.core.tenancy import scoped_dealer_ids
from dcrc.customers.models import Vehicle
from dcrc.customers.selectors import customer_lookup
from dcrc.parts.reservations import appointment_panel

from . import appointments as booking
from .choices import AppointmentState
from .forms_appointments import (
    SLOT_FORMAT,
    BookForm,
    CancelForm,
    ChangeForm,
    DayBookFilterForm,
    SettingsForm,
)
from .models import Appointment, RepairOrder, Station

PAGE_SIZE = 50
can_view = permission_required("service.view", raise_exception=True)
can_book = permission_required("service.book", raise_exception=True)
can_configure = permission_required("service.configure", raise_exception=True)


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() and len(str(value)) < 18 else None


def _dealer(request) -> Dealer:
    """The dealer whose book is shown: the one chosen in the navbar, else the user's first."""
    dealer = request.dealer or (request.dealers[0] if request.dealers else None)
    if dealer is None:
        raise Http404
    return dealer


def _appointment_or_404(request, pk) -> Appointment:
    try:
        return booking.appointment_for_user(user=request.user, pk=pk)
    except Appointment.DoesNotExist:
        raise Http404 from None


def _day(value, default: datetime.date) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(str(value))
    except ValueError:
        return default
    return day if 1990 <= day.year <= 2100 else default


# --- the day book ---------------------------------------------------------------------------


@login_required
@can_view
def appointment_list(request):
    dealer = _dealer(request)
    advisors = list(booking.dealer_advisors(dealer_id=dealer.pk))
    form = DayBookFilterForm(request.GET or None, advisors=advisors)
    day = form.chosen_day()
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    now = timezone.now()
    slots, counts, rows = booking.appointment_day_book(
        user=request.user,
        dealer=dealer,
        day=day,
        state=data.get("state") or "",
        advisor_id=data.get("advisor"),
        now=now,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {"day": day.isoformat(), "state": data.get("state") or ""}
    if data.get("advisor"):
        filters["advisor"] = data["advisor"]
    context = {
        "dealer": dealer,
        "form": form,
        "day": day,
        "today": timezone.localdate(now),
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "slots": slots,
        "capacity": sum(slot.capacity for slot in slots),
        "taken": sum(slot.taken for slot in slots),
        "counts": counts,
        "states": AppointmentState.choices,
        "page": page,
        "extra_params": urlencode(filters) + "&",
        "can_book": request.user.has_perm("service.book"),
    }
    template = (
        "service/appointments/partials/day_rows.html"
        if request.htmx and request.GET.get("page")
        else "service/appointments/day_book.html"
    )
    return render(request, template, context)


@login_required
@can_view
def no_show_list(request):
    dealer = _dealer(request)
    since = timezone.localdate() - datetime.timedelta(days=30)
    rows = booking.no_shows_for_user(user=request.user, dealer=dealer, since=since)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"dealer": dealer, "page": page, "since": since}
    return render(request, "service/appointments/no_shows.html", context)


# --- booking --------------------------------------------------------------------------------


def _slot_context(
    *,
    dealer: Dealer,
    day: datetime.date,
    station: Station | None,
    chosen: str,
    exclude: Appointment | None = None,
) -> dict:
    now = timezone.now()
    slots = booking.appointment_slots(dealer=dealer, day=day, station=station, exclude=exclude)
    nearest = None
    if not any(slot.bookable for slot in slots):
        nearest = booking.nearest_free_slot(
            dealer=dealer, after=max(now, booking.day_bounds(day)[1]), station=station
        )
    return {
        "slots": slots,
        "slot_day": day,
        "chosen_slot": chosen,
        "station": station,
        "nearest": nearest,
        "today": timezone.localdate(now),
    }


def _station(dealer: Dealer, value) -> Station | None:
    pk = _int(value)
    if pk is None:
        return None
    return Station.objects.filter(dealer=dealer, pk=pk, active=True).first()


def _task_for_booking(request, value) -> ContactTask | None:
    pk = _int(value)
    if pk is None:
        return None
    task = (
        ContactTask.objects.for_user(request.user)
        .select_related("customer", "vehicle")
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise Http404
    return task


@login_required
@can_book
def appointment_new(request):
    """Book: a reminder task (?task=) or a car (?vehicle=) prefills it; else look it up."""
    dealer_ids = scoped_dealer_ids(request.user, request.dealer)
    params = request.POST if request.method == "POST" else request.GET
    task = _task_for_booking(request, params.get("task"))
    vehicle = None
    if task is not None:
        vehicle = booking.task_vehicle(task)
    elif _int(params.get("vehicle")) is not None and request.method == "GET":
        vehicle = Vehicle.objects.filter(dealer_id__in=dealer_ids, pk=params["vehicle"]).first()
    dealer = (
        Dealer.objects.get(pk=task.dealer_id)
        if task is not None
        else Dealer.objects.get(pk=vehicle.dealer_id)
        if vehicle is not None
        else _dealer(request)
    )
    if request.method == "POST":
        chosen_vehicle = Vehicle.objects.filter(
            dealer_id__in=dealer_ids, pk=_int(request.POST.get("vehicle"))
        ).first()
        if chosen_vehicle is not None:
            dealer = Dealer.objects.get(pk=chosen_vehicle.dealer_id)
    advisors = list(booking.dealer_advisors(dealer_id=dealer.pk))
    initial = {"reminder_method": "phone", "task": task.pk if task else None}
    if request.user in advisors:
        initial["advisor"] = request.user.pk
    if task is not None:
        initial |= {
            "requested_work": booking.task_requested_work(task),
            "visit_type": booking.TASK_VISIT_TYPES.get(task.kind, ""),
            "lookup": (vehicle.plate if vehicle else "") or task.customer.mobile,
        }
    if vehicle is not None:
        initial |= {"vehicle": vehicle.pk, "lookup": initial.get("lookup") or vehicle.plate}
    form = BookForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        dealer_ids=dealer_ids,
        dealer_id=dealer.pk,
        advisors=advisors,
    )
    if request.method == "POST" and form.is_valid():
        try:
            appointment = booking.appointment_book(
                vehicle=form.cleaned_data["vehicle"],
                by=request.user,
                source_task=task,
                **form.service_arguments(),
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(
                request,
                _("Appointment %(number)s booked for %(at)s.")
                % {
                    "number": appointment.number,
                    "at": timezone.localtime(appointment.scheduled_at).strftime("%m-%d %H:%M"),
                },
            )
            if task is not None and request.POST.get("then") == "task":
                return redirect("care:task", pk=task.pk)
            return redirect(appointment)
    query = form.data.get("lookup", "") if form.is_bound else initial.get("lookup", "")
    chosen_vehicle = (
        form.data.get("vehicle", "") if form.is_bound else str(initial.get("vehicle") or "")
    )
    lookup = customer_lookup(
        dealer_ids=dealer_ids,
        query=query,
        chosen=(vehicle.owner_id if vehicle is not None else None),
    )
    chosen_slot = form.data.get("scheduled_at", "") if form.is_bound else params.get("slot", "")
    day = _day(str(chosen_slot)[:10] or params.get("day", ""), timezone.localdate())
    if not form.is_bound and "day" not in params and "slot" not in params:
        nearest = booking.nearest_free_slot(dealer=dealer)
        day = timezone.localdate(nearest) if nearest else day
    station = _station(dealer, form.data.get("station") if form.is_bound else None)
    context = {
        "form": form,
        "task": task,
        "dealer": dealer,
        "lookup": lookup,
        "chosen_vehicle": chosen_vehicle,
        **_slot_context(dealer=dealer, day=day, station=station, chosen=chosen_slot),
    }
    status = 422 if form.errors else 200
    return render(request, "service/appointments/book.html", context, status=status)


@login_required
@can_book
def appointment_lookup(request):
    """htmx: the customers and cars matching the phone, plate or VIN typed."""
    lookup = customer_lookup(
        dealer_ids=scoped_dealer_ids(request.user, request.dealer),
        query=request.GET.get("lookup", ""),
    )
    return render(
        request,
        "service/appointments/partials/lookup.html",
        {"lookup": lookup, "chosen_vehicle": ""},
    )


@login_required
@can_book
def appointment_slot_picker(request):
    """htmx: the slot picker of a day (and station), free places per slot."""
    exclude = None
    if _int(request.GET.get("appointment")) is not None:
        exclude = _appointment_or_404(request, request.GET["appointment"])
        dealer = exclude.dealer
    else:
        vehicle = Vehicle.objects.filter(
            dealer_id__in=scoped_dealer_ids(request.user, request.dealer),
            pk=_int(request.GET.get("vehicle")),
        ).first()
        dealer = Dealer.objects.get(pk=vehicle.dealer_id) if vehicle else _dealer(request)
    day = _day(request.GET.get("day", ""), timezone.localdate())
    context = _slot_context(
        dealer=dealer,
        day=day,
        station=_station(dealer, request.GET.get("station")),
        chosen=request.GET.get("scheduled_at", ""),
        exclude=exclude,
    )
    return render(request, "service/appointments/partials/slot_picker.html", context)


# --- one appointment ------------------------------------------------------------------------


def _order_url(order) -> str:
    if order is None:
        return ""
    try:
        return order.get_absolute_url()
    except NoReverseMatch:  # the repair-order pages come with reception
        return ""


def _detail(request, appointment: Appointment, *, cancel_form=None, status=200):
    order = RepairOrder.objects.filter(appointment=appointment).only("pk", "number").first()
    context = {
        **appointment_panel(appointment=appointment, user=request.user),
        "appointment": appointment,
        "cancel_form": cancel_form or CancelForm(),
        "can_book": request.user.has_perm("service.book"),
        "can_receive": request.user.has_perm("service.reception"),
        "order": order,
        "order_url": _order_url(order),
        "is_booked": appointment.state == AppointmentState.BOOKED,
    }
    return render(request, "service/appointments/detail.html", context, status=status)


@login_required
@can_view
def appointment_detail(request, pk):
    return _detail(request, _appointment_or_404(request, pk))


@login_required
@can_book
def appointment_edit(request, pk):
    """Change or reschedule a waiting booking."""
    appointment = _appointment_or_404(request, pk)
    if appointment.state != AppointmentState.BOOKED:
        messages.warning(request, _("This appointment can no longer change."))
        return redirect(appointment)
    advisors = list(booking.dealer_advisors(dealer_id=appointment.dealer_id))
    local = timezone.localtime(appointment.scheduled_at)
    initial = {
        name: getattr(appointment, name)
        for name in booking.CHANGE_FIELDS
        if name not in ("scheduled_at", "advisor")
    } | {"scheduled_at": local.strftime(SLOT_FORMAT), "advisor": appointment.advisor_id}
    form = ChangeForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        dealer_id=appointment.dealer_id,
        advisors=advisors,
    )
    if request.method == "POST" and form_submit(
        form,
        lambda: booking.appointment_change(
            appointment=appointment, by=request.user, **form.service_arguments()
        ),
    ):
        messages.success(request, _("Appointment changed."))
        return redirect(appointment)
    chosen = form.data.get("scheduled_at", "") if form.is_bound else initial["scheduled_at"]
    station_value = form.data.get("station") if form.is_bound else appointment.station_id
    context = {
        "form": form,
        "appointment": appointment,
        **_slot_context(
            dealer=appointment.dealer,
            day=_day(str(chosen)[:10], local.date()),
            station=_station(appointment.dealer, station_value),
            chosen=str(chosen),
            exclude=appointment,
        ),
    }
    return render(
        request,
        "service/appointments/edit.html",
        context,
        status=422 if form.errors else 200,
    )


@require_POST
@login_required
@can_book
def appointment_cancel(request, pk):
    appointment = _appointment_or_404(request, pk)
    form = CancelForm(request.POST)
    if form_submit(
        form,
        lambda: booking.appointment_cancel(
            appointment=appointment, by=request.user, reason=form.cleaned_data["cancel_reason"]
        ),
    ):
        messages.success(request, _("Appointment cancelled."))
        return redirect(appointment)
    appointment.refresh_from_db()
    return _detail(request, appointment, cancel_form=form, status=422)


# --- settings -------------------------------------------------------------------------------


@login_required
@can_configure
def booking_settings(request):
    dealer = _dealer(request)
    settings = booking.service_settings(dealer.pk)
    form = SettingsForm(
        request.POST if request.method == "POST" else None,
        initial={
            name: getattr(settings, name)
            for name in ("opens_at", "closes_at", "slot_minutes", "slot_capacity")
        },
    )
    if request.method == "POST" and form_submit(
        form,
        lambda: booking.service_settings_update(
            dealer=dealer, by=request.user, **form.cleaned_data
        ),
    ):
        messages.success(request, _("Booking settings saved."))
        return redirect("service:appointment_settings")
    slots = booking.slot_starts(settings, timezone.localdate())
    context = {"form": form, "dealer": dealer, "settings": settings, "slot_count": len(slots)}
    return render(
        request,
        "service/appointments/settings.html",
        context,
        status=422 if form.errors else 200,
    )
