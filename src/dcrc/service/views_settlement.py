"""Views of settlement: the cashier's queue, an order's settlement page and its panel (the
same partial the repair-order page includes), the writes behind the panel's buttons, the PDF
printouts.

Thin: each checks the permission, validates the input and calls one service or selector.
`service.reception` pre-settles (the advisor), `service.cashier` settles and takes payments,
`service.view` reads and prints. An htmx request gets the panel back; a plain one the page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dcrc.core.choices import AccessAction
from dcrc.core.forms import form_submit
from dcrc.core.services import personal_data_access_record

from . import settlement, settlement_print
from .forms_settlement import (
    InvoiceForm,
    PaymentForm,
    PresettleForm,
    PresettleUndoForm,
    SettleForm,
)
from .models import RepairOrder

PAGE_SIZE = 25
PANEL = "service/settlement/partials/order_panel.html"

view_service = permission_required("service.view", raise_exception=True)
reception = permission_required("service.reception", raise_exception=True)
cashier = permission_required("service.cashier", raise_exception=True)


def _order_for(request, pk: int) -> RepairOrder:
    try:
        return settlement.settlement_order(user=request.user, pk=pk)
    except RepairOrder.DoesNotExist:
        raise Http404 from None


def _page(request, order: RepairOrder, *, status: int = 200, notice: str = "", **forms):
    context = {
        "order": order,
        "settlement_notice": notice,
        **settlement.order_panel(order=order, user=request.user, **forms),
    }
    template = PANEL if request.htmx else "service/settlement/order.html"
    return render(request, template, context, status=status)


def _done(request, order: RepairOrder, message: str):
    if request.htmx:  # the panel shows the notice: the page is not reloaded
        return _page(request, _order_for(request, order.pk), notice=message)
    messages.success(request, message)
    return redirect("service:settlement", order.pk)


@login_required
@cashier
def cashier_queue(request):
    """The cashier's queue (收银台): pre-settled orders; the on-account balances as a tab."""
    tab = "on_account" if request.GET.get("tab") == "on_account" else "waiting"
    if tab == "on_account":
        rows = settlement.on_account_orders(user=request.user, dealer=request.dealer)
    else:
        rows = settlement.cashier_queue(user=request.user, dealer=request.dealer)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "tab": tab, "extra_params": f"tab={tab}&"}
    return render(request, "service/settlement/queue.html", context)


@login_required
@view_service
def order_settlement(request, pk):
    return _page(request, _order_for(request, pk))


@require_POST
@login_required
@reception
def presettle(request, pk):
    order = _order_for(request, pk)
    form = PresettleForm(request.POST, order=order)
    if form_submit(
        form,
        lambda: settlement.repair_order_presettle(
            order=order, by=request.user, **form.service_fields()
        ),
    ):
        return _done(request, order, _("Pre-settled: the order waits for the cashier."))
    return _page(request, order, status=422, presettle_form=form)


@require_POST
@login_required
@reception
def presettle_undo(request, pk):
    order = _order_for(request, pk)
    form = PresettleUndoForm(request.POST)
    if form_submit(
        form,
        lambda: settlement.presettlement_undo(
            order=order, by=request.user, reason=form.cleaned_data["reason"]
        ),
    ):
        return _done(request, order, _("Pre-settlement undone."))
    return _page(request, order, status=422, undo_form=form)


@require_POST
@login_required
@cashier
def settle(request, pk):
    order = _order_for(request, pk)
    form = SettleForm(request.POST)
    if form_submit(
        form,
        lambda: settlement.repair_order_settle(
            order=order, by=request.user, **form.service_fields()
        ),
    ):
        return _done(request, order, _("Settled: the vehicle can be released."))
    return _page(request, order, status=422, settle_form=form)


@require_POST
@login_required
@cashier
def payment_add(request, pk):
    order = _order_for(request, pk)
    form = PaymentForm(request.POST)
    if form_submit(
        form,
        lambda: settlement.payment_record(order=order, by=request.user, **form.cleaned_data),
    ):
        return _done(request, order, _("Payment recorded."))
    return _page(request, order, status=422, payment_form=form)


@require_POST
@login_required
@cashier
def invoice_set(request, pk):
    order = _order_for(request, pk)
    form = InvoiceForm(request.POST)
    if form_submit(
        form,
        lambda: settlement.invoice_no_set(
            order=order, by=request.user, invoice_no=form.cleaned_data["invoice_no"]
        ),
    ):
        return _done(request, order, _("Invoice number saved."))
    return _page(request, order, status=422, invoice_form=form)


@login_required
@view_service
def order_print(request, pk, kind):
    """A printout as PDF, opened in the browser; it carries the customer's name and phone."""
    if kind not in settlement_print.Printout.values:
        raise Http404
    order = _order_for(request, pk)
    order = settlement_print.printout_order(order_id=order.pk)
    body = settlement_print.printout_pdf(order=order, kind=kind)
    personal_data_access_record(
        user=request.user,
        action=AccessAction.EXPORT,
        object_type="service.repairorder",
        object_id=order.pk,
        dealer=order.dealer,
        detail=f"{kind} {order.number}",
        ip_address=request.META.get("REMOTE_ADDR"),
    )
    response = HttpResponse(body, content_type="application/pdf")
    label = settlement_print.Printout(kind).label
    plain = f"{kind}-{order.number}.pdf"
    response["Content-Disposition"] = (
        f"inline; filename=\"{plain}\"; filename*=UTF-8''{escape_uri_path(f'{label}-{order.number}')}.pdf"
    )
    return response
