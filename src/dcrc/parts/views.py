"""Pages of the parts warehouse: thin, each view calls one service or selector.

Reads are scoped to the user's dealers (another dealer's part, order or count answers 404);
`parts.view` lets the after-sales side look, `parts.keep` lets the warehouse move stock.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dcrc.core.forms import form_submit
from dcrc.core.tenancy import scoped_dealer_ids
from dcrc.service.models import Appointment, PartLine, RepairOrder

from . import catalogue, requisitions, reservations, selectors, stock, stocktaking
from .choices import MovementKind, Origin, StocktakeState
from .forms import (
    BackorderForm,
    ExchangeForm,
    IssueForm,
    OldPartForm,
    PartForm,
    ReceiveForm,
    ReserveForm,
    ReturnForm,
    StocktakeLineAddForm,
    StocktakeOpenForm,
    counts_parse,
)
from .models import Part, Reservation

can_view = permission_required("parts.view", raise_exception=True)
can_keep = permission_required("parts.keep", raise_exception=True)
PAGE_SIZE = 30
COUNT_PAGE_SIZE = 50


def _dealer_ids(request) -> list[int]:
    return scoped_dealer_ids(request.user, request.dealer)


def _page(request, rows, size: int = PAGE_SIZE):
    return Paginator(rows, size).get_page(request.GET.get("page"))


def _get(queryset, pk: int):
    try:
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def _next_or(request, default: str) -> str:
    """Where a form posted from another page goes back to (only a local path)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _write_dealer(request):
    """The dealer a new row belongs to: the one chosen in the switcher."""
    if request.dealer is not None:
        return request.dealer
    if len(request.dealers) == 1:
        return request.dealers[0]
    return None


# --- catalogue -----------------------------------------------------------------------------


@login_required
@can_view
def part_list(request):
    dealer_ids = _dealer_ids(request)
    filters = selectors.PartFilter.from_params(request.GET)
    page = _page(request, selectors.part_list(dealer_ids=dealer_ids, filters=filters))
    context = {
        "page": page,
        "filters": filters,
        "extra_params": filters.query_string(),
        "categories": selectors.part_categories(dealer_ids=dealer_ids),
        "origins": Origin.choices,
    }
    if request.htmx:
        return render(request, "parts/partials/part_rows.html", context)
    return render(request, "parts/part_list.html", context)


@login_required
@can_view
def part_options(request):
    """htmx: <option>s of the parts whose no. or name starts like what is typed (datalist)."""
    filters = selectors.PartFilter(q=(request.GET.get("part") or request.GET.get("q") or "")[:40])
    parts = (
        selectors.part_list(dealer_ids=_dealer_ids(request), filters=filters)[:15]
        if filters.q
        else []
    )
    return render(request, "parts/partials/part_options.html", {"parts": parts})


@login_required
@can_view
def part_detail(request, pk: int):
    try:
        part = selectors.part_for_user(user=request.user, pk=pk, dealer=request.dealer)
    except Part.DoesNotExist:
        raise Http404 from None
    context = {
        "part": part,
        "levels": selectors.part_levels(part),
        "reservations": selectors.part_open_reservations(part),
        "page": _page(request, selectors.part_movements(part), 20),
    }
    return render(request, "parts/part_detail.html", context)


@login_required
@can_keep
def part_new(request):
    dealer = _write_dealer(request)
    form = PartForm(request.POST or None)
    if dealer is None:
        messages.error(request, _("Choose one dealer in the switcher before adding parts."))
        return redirect("parts:list")
    if request.method == "POST" and form_submit(
        form, lambda: setattr(form, "saved", _part_create(form, dealer, request.user))
    ):
        messages.success(request, _("Part %(code)s added.") % {"code": form.saved.code})
        return redirect("parts:part_detail", form.saved.pk)
    return render(
        request,
        "parts/part_form.html",
        {"form": form, "dealer": dealer},
        status=422 if form.errors else 200,
    )


def _part_create(form, dealer, by):
    return catalogue.part_create(dealer=dealer, by=by, **form.cleaned_data)


@login_required
@can_keep
def part_edit(request, pk: int):
    part = _get(Part.objects.for_user(request.user, request.dealer), pk)
    form = PartForm(request.POST or None, instance=Part.objects.get(pk=part.pk))
    if request.method == "POST" and form_submit(
        form, lambda: catalogue.part_update(part=part, by=request.user, **form.cleaned_data)
    ):
        messages.success(request, _("Part %(code)s saved.") % {"code": form.cleaned_data["code"]})
        return redirect("parts:part_detail", part.pk)
    return render(
        request,
        "parts/part_form.html",
        {"form": form, "part": part, "dealer": part.dealer},
        status=422 if form.errors else 200,
    )


# --- receiving -----------------------------------------------------------------------------


@login_required
@can_keep
def receive(request):
    dealer_ids = _dealer_ids(request)
    initial = {}
    if str(request.GET.get("part", "")).isdigit():
        part = Part.objects.filter(dealer_id__in=dealer_ids, pk=request.GET["part"]).first()
        if part:
            initial = {"part": part.code, "bin": part.default_bin}
    form = ReceiveForm(request.POST or None, dealer_ids=dealer_ids, initial=initial)
    if request.method == "POST" and form_submit(form, lambda: _receive(form, request.user)):
        data = form.cleaned_data
        messages.success(
            request,
            _("Received %(quantity)s %(unit)s of %(part)s.")
            % {"quantity": data["quantity"], "unit": data["part"].unit, "part": data["part"]},
        )
        return redirect("parts:receive")
    receipts = selectors.movements(dealer_ids=dealer_ids, kind=MovementKind.RECEIVE)[:20]
    return render(
        request,
        "parts/receive.html",
        {"form": form, "receipts": receipts},
        status=422 if form.errors else 200,
    )


def _receive(form, by):
    data = form.cleaned_data
    return stock.stock_receive(
        part=data["part"],
        warehouse=data["warehouse"],
        quantity=data["quantity"],
        by=by,
        bin=data["bin"],
        unit_cost=data["unit_cost"],
        reference=data["reference"],
        note=_("Supplier: %(supplier)s") % {"supplier": data["supplier"]}
        if data["supplier"]
        else "",
    )


# --- requisitions against repair orders ------------------------------------------------------


@login_required
@can_view
def requisition_queue(request):
    rows = requisitions.requisition_queue(dealer_ids=_dealer_ids(request))
    return render(request, "parts/requisitions.html", {"page": _page(request, rows)})


def _order(request, pk: int) -> RepairOrder:
    return _get(
        RepairOrder.objects.for_user(request.user, request.dealer).select_related(
            "vehicle", "customer"
        ),
        pk,
    )


def _order_panel(request, order: RepairOrder, *, error: ValidationError | None = None, status=200):
    context = {
        "order": order,
        **requisitions.order_panel(order=order, user=request.user),
        "parts_errors": (error.messages if error is not None else []),
    }
    if request.htmx:
        return render(request, "parts/partials/order_panel.html", context, status=status)
    if error is not None:
        for message in error.messages:
            messages.error(request, message)
    return render(request, "parts/order.html", context, status=status)


@login_required
@can_view
def order_parts(request, pk: int):
    """The warehouse's page of one repair order: its part lines, issued and reserved."""
    return _order_panel(request, _order(request, pk))


def _line(request, pk: int) -> PartLine:
    return _get(
        PartLine.objects.for_user(request.user, request.dealer).select_related("order", "part"),
        pk,
    )


def _line_action(request, pk: int, form_class, run, done: str, form_kwargs=None):
    line = _line(request, pk)
    form = form_class(request.POST, **(form_kwargs(line) if form_kwargs else {}))
    error = None
    if form.is_valid():
        try:
            run(line, form.cleaned_data)
        except ValidationError as refused:
            error = refused
    else:
        error = ValidationError([e for errors in form.errors.values() for e in errors])
    order = RepairOrder.objects.select_related("vehicle", "customer").get(pk=line.order_id)
    if error is None:
        if not request.htmx:
            messages.success(request, done % {"part": line.code})
            return redirect(_next_or(request, reverse("parts:order", args=[order.pk])))
        return _order_panel(request, order)
    return _order_panel(request, order, error=error, status=422)


@login_required
@can_keep
@require_POST
def line_issue(request, pk: int):
    return _line_action(
        request,
        pk,
        IssueForm,
        lambda line, data: requisitions.requisition_issue(
            line=line, quantity=data["quantity"], by=request.user
        ),
        _("%(part)s issued."),
    )


@login_required
@can_keep
@require_POST
def line_return(request, pk: int):
    return _line_action(
        request,
        pk,
        ReturnForm,
        lambda line, data: requisitions.requisition_return(
            line=line, quantity=data["quantity"], reason=data["reason"], by=request.user
        ),
        _("%(part)s returned to the warehouse."),
    )


@login_required
@can_keep
@require_POST
def line_exchange(request, pk: int):
    def run(line, data):
        new_line = None
        if data["new_line"]:
            new_line = _get(PartLine.objects.filter(order_id=line.order_id), data["new_line"])
        requisitions.requisition_exchange(
            line=line,
            new_line=new_line,
            quantity=data["quantity"],
            reason=data["reason"],
            by=request.user,
        )

    return _line_action(
        request,
        pk,
        ExchangeForm,
        run,
        _("%(part)s exchanged."),
        form_kwargs=lambda line: {"lines": PartLine.objects.filter(order_id=line.order_id)},
    )


@login_required
@can_keep
@require_POST
def old_part_add(request, pk: int):
    order = _order(request, pk)
    lines = list(order.part_lines.all())
    form = OldPartForm(request.POST, lines=lines)
    error = None

    def run():
        data = form.cleaned_data
        line = next((line for line in lines if line.pk == data["part_line"]), None)
        requisitions.old_part_record(
            order=order,
            part_line=line,
            description=data["description"],
            quantity=data["quantity"],
            disposition=data["disposition"],
            claim_no=data["claim_no"],
            note=data["note"],
            by=request.user,
        )

    if not form_submit(form, run):
        error = ValidationError([e for errors in form.errors.values() for e in errors])
        return _order_panel(request, order, error=error, status=422)
    if not request.htmx:
        messages.success(request, _("Old part recorded."))
        return redirect("parts:order", order.pk)
    return _order_panel(request, order)


# --- appointments: reservations and back-orders --------------------------------------------


def _appointment(request, pk: int) -> Appointment:
    return _get(
        Appointment.objects.for_user(request.user, request.dealer).select_related(
            "vehicle", "customer"
        ),
        pk,
    )


def _appointment_panel(request, appointment, *, form=None, status=200):
    context = {
        "appointment": appointment,
        **reservations.appointment_panel(appointment=appointment, user=request.user),
    }
    if form is not None:
        context["parts_reserve_form"] = form
    if request.htmx:
        return render(request, "parts/partials/appointment_panel.html", context, status=status)
    return render(request, "parts/appointment.html", context, status=status)


@login_required
@can_view
def appointment_parts(request, pk: int):
    return _appointment_panel(request, _appointment(request, pk))


@login_required
@can_keep
@require_POST
def appointment_reserve(request, pk: int):
    appointment = _appointment(request, pk)
    form = ReserveForm(
        request.POST, dealer_ids=[appointment.dealer_id], auto_id=f"id_ap{appointment.pk}_%s"
    )
    result = {}

    def run():
        data = form.cleaned_data
        result["reservation"] = reservations.appointment_part_reserve(
            appointment=appointment,
            part=data["part"],
            quantity=data["quantity"],
            supplier_order_no=data["supplier_order_no"],
            expected_on=data["expected_on"],
            by=request.user,
        )

    if not form_submit(form, run):
        return _appointment_panel(request, appointment, form=form, status=422)
    reservation = result["reservation"]
    if reservation.state == "backordered":
        messages.warning(
            request,
            _("%(part)s is not free in stock: back-ordered.") % {"part": reservation.part.code},
        )
    if not request.htmx:
        return redirect("parts:appointment", appointment.pk)
    return _appointment_panel(request, appointment)


def _reservation(request, pk: int) -> Reservation:
    return _get(
        Reservation.objects.for_user(request.user, request.dealer).select_related(
            "part", "appointment"
        ),
        pk,
    )


@login_required
@can_keep
@require_POST
def reservation_release(request, pk: int):
    reservation = _reservation(request, pk)
    try:
        stock.reservation_release(reservation=reservation, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    if request.htmx and reservation.appointment_id and request.POST.get("panel") == "appointment":
        return _appointment_panel(request, reservation.appointment)
    if request.POST.get("panel") == "appointment" and reservation.appointment_id:
        return redirect("parts:appointment", reservation.appointment_id)
    messages.success(request, _("Reservation released."))
    return redirect(_next_or(request, reverse("parts:backorders")))


@login_required
@can_view
def upcoming(request):
    try:
        days = max(1, min(int(request.GET.get("days", reservations.UPCOMING_DAYS)), 14))
    except ValueError:
        days = reservations.UPCOMING_DAYS
    rows = reservations.upcoming_appointments(
        dealer_ids=_dealer_ids(request), now=timezone.now(), days=days
    )
    return render(
        request,
        "parts/upcoming.html",
        {"page": _page(request, rows, 20), "days": days, "extra_params": f"days={days}&"},
    )


@login_required
@can_view
def backorder_list(request):
    rows = reservations.backorders(dealer_ids=_dealer_ids(request))
    return render(request, "parts/backorders.html", {"page": _page(request, rows)})


@login_required
@can_keep
def backorder_edit(request, pk: int):
    reservation = _reservation(request, pk)
    form = BackorderForm(
        request.POST or None,
        initial={
            "supplier_order_no": reservation.supplier_order_no,
            "expected_on": reservation.expected_on,
        },
    )
    if request.method == "POST" and form_submit(
        form,
        lambda: reservations.backorder_update(
            reservation=reservation, by=request.user, **form.cleaned_data
        ),
    ):
        messages.success(request, _("Back-order updated."))
        return redirect("parts:backorders")
    return render(
        request,
        "parts/backorder_form.html",
        {"form": form, "reservation": reservation},
        status=422 if form.errors else 200,
    )


# --- stocktaking ---------------------------------------------------------------------------


@login_required
@can_view
def stocktake_list(request):
    dealer_ids = _dealer_ids(request)
    context = {
        "page": _page(request, selectors.stocktakes(dealer_ids=dealer_ids), 20),
        "form": StocktakeOpenForm(dealer_ids=dealer_ids),
    }
    return render(request, "parts/stocktakes.html", context)


@login_required
@can_keep
@require_POST
def stocktake_open(request):
    dealer_ids = _dealer_ids(request)
    form = StocktakeOpenForm(request.POST, dealer_ids=dealer_ids)
    result = {}

    def run():
        result["stocktake"] = stocktaking.stocktake_open(
            warehouse=form.cleaned_data["warehouse"],
            note=form.cleaned_data["note"],
            by=request.user,
        )

    if form_submit(form, run):
        return redirect("parts:stocktake", result["stocktake"].pk)
    context = {
        "page": _page(request, selectors.stocktakes(dealer_ids=dealer_ids), 20),
        "form": form,
    }
    return render(request, "parts/stocktakes.html", context, status=422)


def _stocktake(request, pk: int):
    from .models import Stocktake

    try:
        return selectors.stocktake_for_user(user=request.user, pk=pk, dealer=request.dealer)
    except Stocktake.DoesNotExist:
        raise Http404 from None


def _stocktake_page(request, stocktake, *, errors=None, add_form=None, status=200):
    variance_only = request.GET.get("variance") == "1" or stocktake.state == StocktakeState.POSTED
    lines = selectors.stocktake_lines(stocktake)
    summary = selectors.stocktake_summary(lines)
    if variance_only:
        lines = [line for line in lines if line.variance]
    context = {
        "stocktake": stocktake,
        "summary": summary,
        "page": Paginator(lines, COUNT_PAGE_SIZE).get_page(request.GET.get("page")),
        "variance_only": variance_only,
        "extra_params": "variance=1&" if variance_only else "",
        "line_errors": errors or {},
        "add_form": add_form or StocktakeLineAddForm(dealer_ids=[stocktake.dealer_id]),
        "counting": stocktake.state == StocktakeState.COUNTING,
    }
    return render(request, "parts/stocktake.html", context, status=status)


@login_required
@can_view
def stocktake_detail(request, pk: int):
    return _stocktake_page(request, _stocktake(request, pk))


@login_required
@can_keep
@require_POST
def stocktake_count(request, pk: int):
    stocktake = _stocktake(request, pk)
    line_ids = list(stocktake.lines.values_list("pk", flat=True))
    counts, errors = counts_parse(request.POST, line_ids)
    if errors:
        messages.error(request, _("Some counts are not numbers of zero or more."))
        return _stocktake_page(request, stocktake, errors=errors, status=422)
    try:
        stocktaking.stocktake_count(stocktake=stocktake, counts=counts, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _stocktake_page(request, stocktake, status=422)
    messages.success(request, _("Counts saved."))
    page = request.POST.get("page", "")
    suffix = f"?page={page}" if page.isdigit() else ""
    return redirect(reverse("parts:stocktake", args=[stocktake.pk]) + suffix)


@login_required
@can_keep
@require_POST
def stocktake_line_add(request, pk: int):
    stocktake = _stocktake(request, pk)
    form = StocktakeLineAddForm(request.POST, dealer_ids=[stocktake.dealer_id])
    if form_submit(
        form,
        lambda: stocktaking.stocktake_line_add(
            stocktake=stocktake, by=request.user, **form.cleaned_data
        ),
    ):
        messages.success(request, _("Line added."))
        return redirect("parts:stocktake", stocktake.pk)
    return _stocktake_page(request, stocktake, add_form=form, status=422)


@login_required
@can_keep
@require_POST
def stocktake_post(request, pk: int):
    stocktake = _stocktake(request, pk)
    try:
        stocktaking.stocktake_post(stocktake=stocktake, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _stocktake_page(request, stocktake, status=422)
    messages.success(request, _("Stocktake %(number)s posted.") % {"number": stocktake.number})
    return redirect("parts:stocktake", stocktake.pk)


@login_required
@can_keep
@require_POST
def stocktake_cancel(request, pk: int):
    stocktake = _stocktake(request, pk)
    try:
        stocktaking.stocktake_cancel(stocktake=stocktake, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("parts:stocktakes")


# --- low stock and old parts ---------------------------------------------------------------


@login_required
@can_view
def low_stock(request):
    choices = selectors.warehouses(dealer_ids=_dealer_ids(request))
    chosen = next(
        (w for w in choices if str(w.pk) == request.GET.get("warehouse")),
        next((w for w in choices if w.is_default), choices[0] if choices else None),
    )
    rows = selectors.low_stock(warehouse=chosen) if chosen else Part.objects.none()
    context = {
        "warehouses": choices,
        "warehouse": chosen,
        "page": _page(request, rows),
        "extra_params": f"warehouse={chosen.pk}&" if chosen else "",
    }
    return render(request, "parts/low_stock.html", context)


@login_required
@can_view
def old_part_list(request):
    from .models import OldPartReturn

    rows = (
        OldPartReturn.objects.for_user(request.user, request.dealer)
        .select_related("repair_order", "repair_order__vehicle", "by")
        .order_by("-at", "-pk")
    )
    return render(request, "parts/old_parts.html", {"page": _page(request, rows)})
