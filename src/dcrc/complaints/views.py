"""Complaint intake and the complaint page: thin, each view calls one service or selector."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dcrc.core.forms import form_errors_apply, form_submit
from dcrc.core.tenancy import scoped_dealer_ids
from dcrc.customers.models import Customer, Vehicle
from dcrc.customers.selectors import customer_lookup

from . import selectors, services
from .choices import ACTIVE_STATES, Action, ImportantFlag
from .forms import MOVE_FIELDS, AssignForm, EditForm, IntakeForm, MoveForm, NoteForm
from .models import Complaint
from .scripts import PRINCIPLES, complaint_scripts

can_register = permission_required("complaints.register", raise_exception=True)
can_view = permission_required("complaints.view", raise_exception=True)
can_handle = permission_required("complaints.handle", raise_exception=True)
can_comment = permission_required("complaints.comment", raise_exception=True)


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


# --- intake ---------------------------------------------------------------------------------


@login_required
@can_register
def complaint_new(request):
    try:
        prefill = selectors.intake_prefill(
            user=request.user, dealer=request.dealer, params=request.GET
        )
    except ObjectDoesNotExist:
        raise Http404 from None
    dealer_ids = scoped_dealer_ids(request.user, request.dealer)
    dealer = prefill.dealer or request.dealer
    if dealer is None and len(dealer_ids) == 1:
        dealer = request.dealers[0]
    initial = {
        **prefill.initial,
        "customer": prefill.customer,
        "vehicle": prefill.vehicle,
        "inbound_call": prefill.inbound_call,
        "contact_task": prefill.contact_task,
        "service_visit": prefill.service_visit,
    }
    form = IntakeForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        dealer_ids=dealer_ids,
        dealer=dealer,
        handlers=selectors.dealer_handlers(dealer_ids=[dealer.pk] if dealer else dealer_ids),
    )
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_register(
                dealer=form.chosen_dealer, by=request.user, **form.service_arguments()
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(
                request, _("Complaint %(number)s registered.") % {"number": complaint.number}
            )
            return redirect(complaint)
    if form.is_bound:
        query, chosen_customer = form.data.get("lookup", ""), form.data.get("customer", "")
        chosen_vehicle = form.data.get("vehicle", "")
    else:
        query = initial.get("lookup", "")
        chosen_customer = str(prefill.customer.pk) if prefill.customer else ""
        chosen_vehicle = str(prefill.vehicle.pk) if prefill.vehicle else ""
    lookup = customer_lookup(dealer_ids=dealer_ids, query=query, chosen=_int(chosen_customer))
    context = {
        "form": form,
        "prefill": prefill,
        "lookup": lookup,
        "chosen_customer": chosen_customer,
        "chosen_vehicle": chosen_vehicle,
        "principles": PRINCIPLES,
    }
    return render(request, "complaints/intake.html", context, status=422 if form.errors else 200)


@login_required
@can_register
def complaint_lookup(request):
    """htmx: the customers matching the number or plate typed, to pick the complainant."""
    lookup = customer_lookup(
        dealer_ids=scoped_dealer_ids(request.user, request.dealer),
        query=request.GET.get("lookup", ""),
    )
    context = {"lookup": lookup, "chosen_customer": "", "chosen_vehicle": ""}
    return render(request, "complaints/partials/intake_lookup.html", context)


# --- the complaint page ---------------------------------------------------------------------


def _complaint_or_404(request, pk: int) -> Complaint:
    try:
        return selectors.complaint_for_user(user=request.user, pk=pk)
    except Complaint.DoesNotExist:
        raise Http404 from None


def _allowed_actions(request, complaint: Complaint) -> list[str]:
    """The moves the state machine allows now that this user may take."""
    handle = request.user.has_perm("complaints.handle")
    escalate = request.user.has_perm("complaints.escalate")
    return [
        action
        for action in services.complaint_actions(complaint)
        if (escalate if action in services.ESCALATIONS else handle)
    ]


@dataclass
class MovePanel:
    """One allowed move: its button and the small form with what it needs."""

    action: str
    label: str
    form: MoveForm
    fields: list
    reason_required: bool
    is_escalation: bool
    failed: bool


def _move_form(data, *, action: str, staff) -> MoveForm:
    # Each move's form has its own element ids: several are on the page at once.
    return MoveForm(
        data,
        manufacturer_staff=staff,
        initial={"action": action},
        auto_id=f"id_{action}_%s",
    )


def _move_panels(actions: list[str], *, staff, failed: MoveForm | None) -> list[MovePanel]:
    failed_action = failed.data.get("action") if failed is not None else None
    panels = []
    for action in actions:
        is_failed = action == failed_action
        form = failed if is_failed else _move_form(None, action=action, staff=staff)
        panels.append(
            MovePanel(
                action=action,
                label=str(Action(action).label),
                form=form,
                fields=[form[name] for name in MOVE_FIELDS.get(action, ())],
                reason_required=action in services.REASON_REQUIRED,
                is_escalation=action in services.ESCALATIONS,
                failed=is_failed,
            )
        )
    return panels


def _detail(
    request,
    complaint: Complaint,
    *,
    move_form: MoveForm | None = None,
    assign_form: AssignForm | None = None,
    note_form: NoteForm | None = None,
    status: int = 200,
):
    user = request.user
    now = timezone.now()
    actions = _allowed_actions(request, complaint)
    escalating = any(action in services.ESCALATIONS for action in actions)
    staff = services.manufacturer_staff(complaint.dealer) if escalating else []
    can_handle_it = user.has_perm("complaints.handle")
    handlers = selectors.dealer_handlers(dealer_ids=[complaint.dealer_id])
    context = {
        "complaint": complaint,
        "now": now,
        "response_overdue": complaint.first_response_at is None
        and complaint.first_response_due < now,
        "resolution_overdue": complaint.state in ACTIVE_STATES and complaint.resolution_due < now,
        # As the service's confirm_follow_up checks: the call is done and reached the customer.
        "follow_up_reached": complaint.follow_up_task is not None
        and complaint.follow_up_task.state == "done"
        and complaint.follow_up_task.last_outcome == "reached",
        "events": selectors.complaint_events(complaint=complaint),
        "flag_labels": [
            ImportantFlag(flag).label
            for flag in complaint.important_flags
            if flag in ImportantFlag.values
        ],
        "escalation_actions": services.ESCALATIONS,
        "has_staff": bool(staff),
        "moves": _move_panels(actions, staff=staff, failed=move_form),
        "move_errors": [e for errors in move_form.errors.values() for e in errors]
        if move_form is not None
        else [],
        "can_handle": can_handle_it,
        "can_comment": user.has_perm("complaints.comment"),
        "can_reveal_phone": user.has_perm("customers.reveal_phone"),
        "can_register": user.has_perm("complaints.register"),
        "assign_form": assign_form
        or (
            AssignForm(handlers=handlers, initial={"owner": complaint.owner_id})
            if can_handle_it
            else None
        ),
        "note_form": note_form or NoteForm(),
        "history": selectors.complaint_customer_history(complaint=complaint, user=user),
        "scripts": complaint_scripts(complaint.typical_case),
        "principles": PRINCIPLES,
    }
    return render(request, "complaints/detail.html", context, status=status)


@login_required
@can_view
def complaint_detail(request, pk):
    return _detail(request, _complaint_or_404(request, pk))


@require_POST
@login_required
@can_handle
def complaint_move(request, pk):
    complaint = _complaint_or_404(request, pk)
    escalating = request.POST.get("action") in services.ESCALATIONS
    if escalating and not request.user.has_perm("complaints.escalate"):
        raise PermissionDenied
    staff = services.manufacturer_staff(complaint.dealer) if escalating else []
    action = request.POST.get("action", "")
    form = _move_form(request.POST, action=action if action.isidentifier() else "x", staff=staff)
    moved = form_submit(
        form,
        lambda: services.complaint_move(
            complaint=complaint, by=request.user, **form.service_arguments()
        ),
    )
    if moved:
        messages.success(
            request,
            _("%(action)s: done.") % {"action": Action(form.cleaned_data["action"]).label},
        )
        return redirect(complaint)
    return _detail(request, complaint, move_form=form, status=422)


@require_POST
@login_required
@can_handle
def complaint_assign(request, pk):
    complaint = _complaint_or_404(request, pk)
    form = AssignForm(
        request.POST, handlers=selectors.dealer_handlers(dealer_ids=[complaint.dealer_id])
    )
    assigned = form_submit(
        form,
        lambda: services.complaint_assign(
            complaint=complaint, by=request.user, **form.cleaned_data
        ),
    )
    if assigned:
        messages.success(request, _("Handler changed."))
        return redirect(complaint)
    return _detail(request, complaint, assign_form=form, status=422)


@require_POST
@login_required
@can_handle
def complaint_link_customer(request, pk):
    """Link a complaint from a caller not found at intake to the archive customer picked."""
    complaint = _complaint_or_404(request, pk)
    customers = Customer.objects.for_user(request.user).filter(dealer_id=complaint.dealer_id)
    customer = customers.filter(pk=_int(request.POST.get("customer"))).first()
    if customer is None:
        messages.error(request, _("Pick the customer among the matches."))
        return redirect(complaint)
    vehicle = None
    if vehicle_id := _int(request.POST.get("vehicle")):
        vehicle = Vehicle.objects.for_user(request.user).filter(pk=vehicle_id).first()
    try:
        services.complaint_customer_link(
            complaint=complaint, customer=customer, vehicle=vehicle, by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Customer linked."))
    return redirect(complaint)


@require_POST
@login_required
@can_comment
def complaint_note(request, pk):
    complaint = _complaint_or_404(request, pk)
    form = NoteForm(request.POST)
    noted = form_submit(
        form,
        lambda: services.complaint_note_add(
            complaint=complaint, by=request.user, **form.cleaned_data
        ),
    )
    if noted:
        messages.success(request, _("Note added."))
        return redirect(complaint)
    return _detail(request, complaint, note_form=form, status=422)


@login_required
@can_handle
def complaint_edit(request, pk):
    complaint = _complaint_or_404(request, pk)
    initial = {name: getattr(complaint, name) for name in EditForm.FIELDS}
    form = EditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = form.changed_values()
        if not changes:
            return redirect(complaint)
        try:
            services.complaint_update(complaint=complaint, by=request.user, **changes)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(complaint)
    return render(
        request,
        "complaints/detail_edit.html",
        {"complaint": complaint, "form": form},
        status=422 if form.errors else 200,
    )
