"""The workshop's pages: kanban, an order's dispatch, my jobs, QC, tools, stations, labour.

Thin views: check the permission, validate the input, call one service or selector, render
the page or (for an htmx request) the partial.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dcrc.core.forms import form_errors_apply, form_submit
from dcrc.core.models import User
from dcrc.core.tenancy import scoped_dealer_ids

from . import workshop
from .choices import JobState, OrderState, QcItem
from .forms_workshop import (
    DispatchLineForm,
    JobFinishForm,
    LabourItemForm,
    QualityCheckForm,
    StationForm,
    ToolCheckinForm,
    ToolCheckoutForm,
)
from .models import JobLine, LabourItem, RepairOrder, Station, Tool, ToolCheckout

can_view = permission_required("service.view", raise_exception=True)
can_dispatch = permission_required("service.dispatch", raise_exception=True)
can_work = permission_required("service.work", raise_exception=True)
can_qc = permission_required("service.qc", raise_exception=True)
can_configure = permission_required("service.configure", raise_exception=True)
PAGE_SIZE = 30


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() and len(str(value)) < 12 else None


def _order_or_404(request, pk: int) -> RepairOrder:
    try:
        return workshop.workshop_order(user=request.user, pk=pk)
    except RepairOrder.DoesNotExist:
        raise Http404 from None


def _mine(request, model, pk: int):
    return get_object_or_404(model.objects.for_user(request.user), pk=pk)


# --- kanban (维修看板) -----------------------------------------------------------------------


@login_required
@can_view
def kanban(request):
    board = workshop.workshop_kanban(
        user=request.user, dealer=request.dealer, station_id=_int(request.GET.get("station"))
    )
    context = {
        "board": board,
        "station_id": board.station.pk if board.station else "",
        "order_url": reverse("service:workshop_order", args=[0]).removesuffix("0/"),
    }
    if request.htmx:
        return render(request, "service/workshop/partials/kanban_board.html", context)
    context["loads"] = workshop.station_loads(user=request.user, dealer=request.dealer)
    return render(request, "service/workshop/kanban.html", context)


# --- an order's dispatch (派工) ----------------------------------------------------------


def _dispatch_forms(order: RepairOrder, data=None):
    stations, people = workshop.dispatch_choices(order=order)
    lines = list(order.job_lines.select_related("station", "technician").order_by("id"))
    forms = [
        DispatchLineForm(data, line=line, stations=stations, people=people)
        for line in lines
        if line.state in (JobState.WAITING, JobState.DISPATCHED)
    ]
    return lines, forms, stations


def _order_page(request, order: RepairOrder, *, forms=None, status: int = 200):
    lines, fresh_forms, stations = _dispatch_forms(order)
    context = {
        "order": order,
        "lines": lines,
        "forms": forms if forms is not None else fresh_forms,
        "stations": stations,
        "can_dispatch": request.user.has_perm("service.dispatch")
        and order.state in workshop.DISPATCHABLE_STATES,
        "can_qc": request.user.has_perm("service.qc") and order.state == OrderState.QC,
        **workshop.order_panel(order=order, user=request.user),
    }
    return render(request, "service/workshop/order.html", context, status=status)


@login_required
@can_view
def order_workshop(request, pk: int):
    return _order_page(request, _order_or_404(request, pk))


@login_required
@can_dispatch
@require_POST
def order_dispatch(request, pk: int):
    order = _order_or_404(request, pk)
    _lines, forms, _stations = _dispatch_forms(order, request.POST)
    chosen = [form for form in forms if form.is_valid() and form.chosen]
    if all(form.is_valid() or not form["dispatch"].value() for form in forms) and chosen:
        items = [
            workshop.LineDispatch(
                line=form.line,
                station=form.cleaned_data["station"],
                technician=form.cleaned_data["technician"],
                planned_hours=form.cleaned_data["planned_hours"],
                planned_start=form.cleaned_data["planned_start"],
                planned_end=form.cleaned_data["planned_end"],
                equipment_needed=form.cleaned_data["equipment_needed"],
            )
            for form in chosen
        ]
        try:
            workshop.repair_order_dispatch(order=order, by=request.user, lines=items)
        except ValidationError as error:
            _dispatch_errors_apply(forms, error)
        else:
            messages.success(request, _("%(count)s lines dispatched.") % {"count": len(items)})
            return redirect("service:workshop_order", pk=order.pk)
    elif not chosen and all(not form["dispatch"].value() for form in forms):
        messages.error(request, _("Tick the lines to dispatch."))
    return _order_page(request, order, forms=forms, status=422)


def _dispatch_errors_apply(forms, error: ValidationError) -> None:
    """The service's errors keyed line-<id>-<field> go on that line's row."""
    by_prefix = {form.prefix: form for form in forms}
    for key, field_messages in error.message_dict.items():
        prefix, _sep, name = key.rpartition("-")
        form = by_prefix.get(prefix) or (forms[0] if forms else None)
        if form is None:
            continue
        form.add_error(name if name in form.fields else None, field_messages)


# --- the technician's jobs (我的派工) -----------------------------------------------------


@login_required
@can_work
def my_jobs(request):
    active, done = workshop.my_jobs(user=request.user, dealer=request.dealer)
    context = {"active": active, "done": done, "now": timezone.now()}
    return render(request, "service/workshop/my_jobs.html", context)


def _line_or_404(request, pk: int) -> JobLine:
    return get_object_or_404(
        JobLine.objects.for_user(request.user).select_related("order", "order__vehicle", "station"),
        pk=pk,
    )


def _after_line_step(request, line: JobLine):
    if request.htmx:
        line = _line_or_404(request, line.pk)
        return render(
            request,
            "service/workshop/partials/job_card.html",
            {"line": line, "now": timezone.now()},
        )
    return redirect(request.POST.get("next") or "service:workshop_my_jobs")


@login_required
@can_work
@require_POST
def line_start(request, pk: int):
    line = _line_or_404(request, pk)
    try:
        workshop.job_line_start(line=line, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        if request.htmx:
            return _line_error(request, line, error)
    return _after_line_step(request, line)


@login_required
@can_work
@require_POST
def line_finish(request, pk: int):
    line = _line_or_404(request, pk)
    form = JobFinishForm(request.POST)
    form.is_valid()
    try:
        workshop.job_line_finish(
            line=line, by=request.user, delay_reason=form.cleaned_data.get("delay_reason", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        if request.htmx:
            return _line_error(request, line, error)
    return _after_line_step(request, line)


def _line_error(request, line: JobLine, error: ValidationError):
    line = _line_or_404(request, line.pk)
    context = {"line": line, "now": timezone.now(), "error": " ".join(error.messages)}
    return render(request, "service/workshop/partials/job_card.html", context, status=422)


# --- QC (竣工检验) ---------------------------------------------------------------------------


@login_required
@can_qc
def qc_list(request):
    orders = list(workshop.qc_queue(user=request.user, dealer=request.dealer))
    return render(
        request, "service/workshop/qc_list.html", {"orders": orders, "now": timezone.now()}
    )


@login_required
@can_qc
def qc_check(request, pk: int):
    order = _order_or_404(request, pk)
    technicians = workshop.dealer_technicians(dealer_id=order.dealer_id)
    lines = list(order.job_lines.select_related("station", "technician").order_by("id"))
    owner = next((line.technician_id for line in lines if line.technician_id), None)
    form = QualityCheckForm(
        request.POST if request.method == "POST" else None,
        technicians=technicians,
        initial={"rework_owner": owner, "checklist": list(QcItem.values)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            workshop.quality_check_record(order=order, by=request.user, **form.service_arguments())
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("QC of %(number)s recorded.") % {"number": order.number})
            return redirect("service:workshop_qc_list")
    context = {
        "order": order,
        "form": form,
        "lines": lines,
        "planned_completion": workshop.qc_planned_completion(order, lines),
        "checks": list(order.quality_checks.select_related("inspector", "rework_owner")),
        "can_inspect": order.state == OrderState.QC,
    }
    return render(request, "service/workshop/qc.html", context, status=422 if form.errors else 200)


# --- tools and equipment (工具设备) ------------------------------------------------------


def _tool_people(request):
    return (
        User.objects.filter(
            dealers__id__in=scoped_dealer_ids(request.user, request.dealer), is_active=True
        )
        .distinct()
        .order_by("username")
    )


@login_required
@can_work
def tools(request):
    rows = workshop.tool_board(user=request.user, dealer=request.dealer)
    # The choices are read once for every row's little check-out form.
    open_orders = (
        RepairOrder.objects.for_user(request.user, request.dealer)
        .in_shop()
        .select_related("vehicle")
        .only("id", "number", "vehicle__plate")
        .order_by("number")[:300]
    )
    context = {
        "rows": rows,
        "now": timezone.now(),
        "holders": [(u.pk, str(u)) for u in _tool_people(request)],
        "open_orders": [(o.pk, f"{o.number} {o.vehicle.plate}") for o in open_orders],
        "can_lend": request.user.has_perm("service.dispatch"),
    }
    return render(request, "service/workshop/tools.html", context)


@login_required
@can_dispatch
@require_POST
def tool_checkout(request, pk: int):
    tool = _mine(request, Tool, pk)
    form = ToolCheckoutForm(request.POST, dealer_id=tool.dealer_id, people=_tool_people(request))
    if form_submit(
        form,
        lambda: workshop.tool_checkout(
            tool=tool,
            holder=form.cleaned_data["holder"],
            order=form.cleaned_data["order"],
            due_back_at=form.cleaned_data["due_back_at"],
            by=request.user,
        ),
    ):
        messages.success(request, _("%(tool)s checked out.") % {"tool": tool})
    else:
        errors = "; ".join(f"{m}" for messages_ in form.errors.values() for m in messages_)
        messages.error(
            request, _("%(tool)s not checked out: %(errors)s") % {"tool": tool, "errors": errors}
        )
    return redirect("service:workshop_tools")


@login_required
@can_dispatch
@require_POST
def tool_checkin(request, pk: int):
    checkout = _mine(request, ToolCheckout, pk)
    form = ToolCheckinForm(request.POST)
    form.is_valid()
    try:
        workshop.tool_checkin(
            checkout=checkout,
            by=request.user,
            condition_note=form.cleaned_data.get("condition_note", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(tool)s is back.") % {"tool": checkout.tool})
    return redirect("service:workshop_tools")


# --- configuration: stations and the labour catalogue -------------------------------------


@login_required
@can_configure
def stations(request):
    loads = workshop.station_loads(user=request.user, dealer=request.dealer)
    return render(request, "service/workshop/stations.html", {"loads": loads})


def _staff(dealer):
    return User.objects.filter(dealers=dealer, is_active=True).order_by("username")


@login_required
@can_configure
def station_edit(request, pk: int | None = None):
    station = _mine(request, Station, pk) if pk else None
    dealer = station.dealer if station else request.dealer
    if dealer is None:
        return render(request, "service/workshop/choose_dealer.html")
    form = StationForm(
        request.POST or None, instance=station or Station(dealer=dealer), staff=_staff(dealer)
    )
    if request.method == "POST" and form.is_valid():
        try:
            workshop.station_save(
                dealer=dealer, by=request.user, station=station, **form.service_arguments()
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Station saved."))
            return redirect("service:workshop_stations")
    context = {"form": form, "station": station}
    return render(
        request, "service/workshop/station_form.html", context, status=422 if form.errors else 200
    )


@login_required
@can_configure
def labour_items(request):
    query = request.GET.get("q", "").strip()[:50]
    items = LabourItem.objects.for_user(request.user, request.dealer).order_by("code")
    if query:
        items = items.filter(Q(code__icontains=query) | Q(name__icontains=query))
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "service/workshop/labour.html", {"page": page, "query": query})


@login_required
@can_configure
def labour_item_edit(request, pk: int | None = None):
    item = _mine(request, LabourItem, pk) if pk else None
    dealer = item.dealer if item else request.dealer
    if dealer is None:
        return render(request, "service/workshop/choose_dealer.html")
    form = LabourItemForm(request.POST or None, instance=item or LabourItem(dealer=dealer))
    if request.method == "POST" and form.is_valid():
        try:
            workshop.labour_item_save(
                dealer=dealer, by=request.user, item=item, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Labour item saved."))
            return redirect("service:workshop_labour")
    context = {"form": form, "item": item}
    return render(
        request, "service/workshop/labour_form.html", context, status=422 if form.errors else 200
    )
