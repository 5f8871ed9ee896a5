"""Views of the hotline call register: thin, each calls one service or selector."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dcrc.core.choices import AccessAction
from dcrc.core.forms import form_errors_apply
from dcrc.core.services import personal_data_access_record

from . import hotline
from .choices import InboundKind, InboundState, InboundType
from .hotline_forms import InboundCallEditForm, InboundCallForm, RecordingForm, ReplyForm
from .models import InboundCall

PAGE_SIZE = 25
FILTERS = ("state", "type", "kind", "overdue", "phone")

handle_calls = permission_required("care.handle_calls", raise_exception=True)


def _call_for(request, pk: int) -> InboundCall:
    try:
        return hotline.inbound_call_detail(user=request.user, pk=pk)
    except InboundCall.DoesNotExist:
        raise Http404 from None


@login_required
@handle_calls
def call_list(request):
    params = request.GET
    page = Paginator(
        hotline.inbound_calls(
            user=request.user,
            dealer=request.dealer,
            state=params.get("state", ""),
            call_type=params.get("type", ""),
            kind=params.get("kind", ""),
            overdue=params.get("overdue") == "1",
            phone=params.get("phone", ""),
        ),
        PAGE_SIZE,
    ).get_page(params.get("page"))
    context = {
        "page": page,
        "now": timezone.now(),
        "states": InboundState.choices,
        "types": InboundType.choices,
        "kinds": InboundKind.choices,
        # The filters carried over by the pagination links.
        "extra_params": "".join(
            urlencode({name: params[name]}) + "&" for name in FILTERS if params.get(name)
        ),
        "can_manage": request.user.has_perm("care.manage_tasks"),
    }
    template = "care/hotline/partials/call_rows.html" if request.htmx else "care/hotline/list.html"
    return render(request, template, context)


@login_required
@handle_calls
def call_create(request):
    if not request.dealer:
        messages.warning(request, _("Choose a dealer in the top bar before registering a call."))
        return redirect("care:calls")
    form = InboundCallForm(request.POST or None, dealer=request.dealer)
    if request.method == "POST" and form.is_valid():
        try:
            call = hotline.inbound_call_register(
                dealer=request.dealer,
                by=request.user,
                # The agent saw the matches and chose "none of these".
                link_by_phone="customer" not in request.POST,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Call registered."))
            return redirect(call)
    matches = []
    if form.is_bound and form.data.get("phone"):
        matches = hotline.customers_by_phone(dealer_id=request.dealer.pk, phone=form.data["phone"])
    context = {
        "form": form,
        "matches": matches,
        "chosen_customer": form.data.get("customer", ""),
        "chosen_vehicle": form.data.get("vehicle", ""),
        "hotline_number": request.dealer.hotline,
    }
    return render(request, "care/hotline/call_form.html", context)


@login_required
@handle_calls
def call_lookup(request):
    """htmx: the dealer's customers with exactly this number, to link the call to."""
    matches = []
    phone = request.GET.get("phone", "")
    if request.dealer and phone:
        matches = hotline.customers_by_phone(dealer_id=request.dealer.pk, phone=phone)
    return render(
        request,
        "care/hotline/partials/lookup.html",
        {"matches": matches, "phone": phone, "chosen_customer": "", "chosen_vehicle": ""},
    )


@login_required
@handle_calls
def call_detail(request, pk):
    call = _call_for(request, pk)
    if call.phone:
        # The record shows the caller's whole number (to call back): a logged view (PIPL).
        personal_data_access_record(
            user=request.user,
            action=AccessAction.UNMASK,
            object_type="inbound_call",
            object_id=call.pk,
            dealer=call.dealer,
            detail="phone",
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    return _detail(request, call)


def _detail(request, call, *, edit_form=None, reply_form=None, recording_form=None, status=200):
    matches = hotline.call_link_choices(call)
    context = {
        "call": call,
        "overdue": hotline.is_overdue(call),
        "edit_form": edit_form or InboundCallEditForm(call=call),
        "reply_form": reply_form or ReplyForm(),
        "recording_form": recording_form or RecordingForm(),
        "matches": matches,  # with their vehicles, to pick from
        "chosen_customer": str(call.customer_id or ""),
        "chosen_vehicle": str(call.vehicle_id or ""),
    }
    return render(request, "care/hotline/detail.html", context, status=status)


@require_POST
@login_required
@handle_calls
def call_edit(request, pk):
    call = _call_for(request, pk)
    form = InboundCallEditForm(request.POST, call=call)
    if form.is_valid():
        try:
            hotline.inbound_call_update(call=call, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(call)
    return _detail(request, call, edit_form=form, status=422)


@require_POST
@login_required
@handle_calls
def call_reply(request, pk):
    call = _call_for(request, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            hotline.inbound_call_reply(call=call, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Marked as replied."))
            return redirect(call)
    return _detail(request, call, reply_form=form, status=422)


@require_POST
@login_required
@handle_calls
def call_close(request, pk):
    call = _call_for(request, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            hotline.inbound_call_close(call=call, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Call closed."))
            return redirect(call)
    return _detail(request, call, reply_form=form, status=422)


@require_POST
@login_required
@handle_calls
def call_recording_upload(request, pk):
    call = _call_for(request, pk)
    form = RecordingForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            hotline.inbound_call_recording_attach(
                call=call, recording=form.cleaned_data["recording"], by=request.user
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Recording attached."))
            return redirect(call)
    return _detail(request, call, recording_form=form, status=422)


@login_required
@handle_calls
def call_recording(request, pk):
    """The recording, streamed after the tenancy check: media files are never served publicly."""
    call = _call_for(request, pk)
    if not call.recording:
        raise Http404
    try:
        handle = call.recording.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = "." + call.recording.name.rsplit(".", 1)[-1].lower()
    response = FileResponse(
        handle, content_type=hotline.RECORDING_TYPES.get(extension, "application/octet-stream")
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def calls_badge(request):
    """htmx: the nav badge with the number of overdue calls (empty when none or not allowed).

    Not behind login_required: a poll after the session expired must not swap the login page
    into the navbar.
    """
    if not request.user.is_authenticated or not request.user.has_perm("care.handle_calls"):
        return HttpResponse("")
    count = hotline.inbound_overdue_count(user=request.user, dealer=request.dealer)
    return render(
        request,
        "care/hotline/partials/badge.html",
        {"count": count, "url": reverse("care:calls") + "?overdue=1"},
    )


@login_required
@permission_required("care.manage_tasks", raise_exception=True)
def calls_reply_card(request):
    """htmx: the CR manager's card of overdue and soon-due calls (for the home or KPI page)."""
    summary = hotline.inbound_reply_summary(user=request.user, dealer=request.dealer)
    return render(request, "care/hotline/partials/reply_card.html", {"summary": summary})
