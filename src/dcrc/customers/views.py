"""Views of the customer archive: thin, each calls one service or selector."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dcrc.care.history import customer_contact_history
from dcrc.core.choices import AccessAction
from dcrc.core.forms import form_errors_apply
from dcrc.core.services import personal_data_access_record

from . import exports, normalize, selectors, services
from .choices import Activity, CustomerKind
from .forms import (
    CustomerForm,
    MergeForm,
    MileageCorrectionForm,
    ServiceVisitForm,
    TransferForm,
    VehicleForm,
)
from .models import Customer, Vehicle

PAGE_SIZE = 20


def _require(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _client_ip(request):
    return request.META.get("REMOTE_ADDR")


def _filtered_customers(request):
    """The customers the list shows: a search, or the archive with its filters."""
    query = request.GET.get("q", "").strip()
    return query, selectors.customer_archive(
        user=request.user,
        dealer=request.dealer,
        query=query,
        kind=request.GET.get("kind", ""),
        activity=request.GET.get("activity", ""),
    )


@login_required
def customer_list(request):
    query, result = _filtered_customers(request)
    paginator = Paginator(result, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    if query:
        page.object_list = selectors.customers_by_ids(user=request.user, ids=list(page))
        if len(result) == 1 and page.number == 1 and "page" not in request.GET:
            return redirect("customers:detail", pk=result[0])
    context = {
        "page": page,
        "query": query,
        "kinds": CustomerKind.choices,
        "activities": Activity.choices,
        "can_export": request.user.has_perm("customers.export"),
        "filter_params": "".join(
            f"{name}={request.GET[name]}&"
            for name in ("kind", "activity")
            if request.GET.get(name) in (CustomerKind.values + Activity.values)
        ),
    }
    template = "customers/partials/results.html" if request.htmx else "customers/list.html"
    return render(request, template, context)


@login_required
def customer_export(request):
    _require(request, "customers.export")
    query, result = _filtered_customers(request)
    path, count = exports.customers_to_xlsx(user=request.user, result=result)
    personal_data_access_record(
        user=request.user,
        action=AccessAction.EXPORT,
        object_type="customer",
        dealer=request.dealer or None,
        detail=_("Search: %(query)s") % {"query": query} if query else _("Customer list"),
        row_count=count,
        ip_address=_client_ip(request),
    )
    handle = path.open("rb")
    path.unlink()  # the open handle keeps the data until the response is sent
    filename = f"{_('customers')}-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=filename)


@login_required
def customer_detail(request, pk):
    try:
        customer = selectors.customer_detail(user=request.user, pk=pk)
    except Customer.DoesNotExist:
        raise Http404 from None
    if customer.merged_into_id:
        messages.info(request, _("This customer was merged; showing the merged record."))
        return redirect(customer.merged_into)
    context = {
        "customer": customer,
        "activity": Activity(selectors.customer_activity(customer)),
        "visits": selectors.customer_visits(customer=customer),
        "yearly_spend": selectors.customer_yearly_spend(customer=customer),
        "previous_owners": selectors.vehicle_previous_owners(customer=customer),
        "duplicates": selectors.customer_possible_duplicates(customer=customer),
        "contact_history": customer_contact_history(customer=customer),
        "can_reveal_phone": request.user.has_perm("customers.reveal_phone"),
        "can_reveal_id": request.user.has_perm("customers.reveal_id_number"),
        "can_edit": request.user.has_perm("customers.edit"),
        "can_merge": request.user.has_perm("customers.merge"),
    }
    return render(request, "customers/detail.html", context)


@require_POST
@login_required
def customer_reveal(request, pk, field):
    """Show one unmasked number (htmx); every reveal is written to the access log."""
    customer = get_object_or_404(Customer.objects.for_user(request.user), pk=pk)
    if field in ("mobile", "home_phone", "office_phone"):
        _require(request, "customers.reveal_phone")
        value = normalize.format_phone(getattr(customer, field))
    elif field == "id_number":
        _require(request, "customers.reveal_id_number")
        value = customer.id_number
    else:
        raise Http404
    personal_data_access_record(
        user=request.user,
        action=AccessAction.UNMASK,
        object_type="customer",
        object_id=customer.pk,
        dealer=customer.dealer,
        detail=field,
        ip_address=_client_ip(request),
    )
    return render(request, "customers/partials/revealed.html", {"value": value, "field": field})


@login_required
def customer_photo(request, pk):
    customer = get_object_or_404(Customer.objects.for_user(request.user), pk=pk)
    if not customer.photo:
        raise Http404
    return FileResponse(customer.photo.open("rb"))


@login_required
def customer_create(request):
    _require(request, "customers.edit")
    if not request.dealer:
        messages.warning(request, _("Choose a dealer in the top bar before adding customers."))
        return redirect("customers:list")
    form = CustomerForm(request.POST or None, request.FILES or None, dealer=request.dealer)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(
                dealer=request.dealer, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Customer %(name)s added.") % {"name": customer.name})
            return redirect(customer)
    return render(request, "customers/customer_form.html", {"form": form})


@login_required
def customer_edit(request, pk):
    _require(request, "customers.edit")
    customer = get_object_or_404(Customer.objects.for_user(request.user).current(), pk=pk)
    form = CustomerForm(request.POST or None, request.FILES or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(
                customer=Customer.objects.get(pk=pk), by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("customers:detail", pk=pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": customer})


@login_required
def customer_merge(request, pk):
    _require(request, "customers.merge")
    target = get_object_or_404(Customer.objects.for_user(request.user).current(), pk=pk)
    candidates = Customer.objects.filter(dealer_id=target.dealer_id).current().exclude(pk=pk)
    form = MergeForm(request.POST or request.GET or None, customers=candidates)
    duplicate = form.cleaned_data["duplicate"] if form.is_valid() else None
    if request.method == "POST" and duplicate is not None:
        try:
            services.customer_merge(target=target, duplicate=duplicate, by=request.user)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(
                request,
                _("%(duplicate)s was merged into %(target)s.")
                % {"duplicate": duplicate.owner_code, "target": target.owner_code},
            )
            return redirect(target)
    context = {
        "customer": target,
        "form": form,
        "duplicate": duplicate,
        "suggestions": selectors.customer_possible_duplicates(customer=target),
    }
    return render(request, "customers/merge.html", context)


@login_required
def customer_picker(request):
    """htmx: customers matching a query, to pick a new owner or a duplicate."""
    query = request.GET.get("q", "").strip()
    dealer_id = request.GET.get("dealer", "")
    dealer_ids = sorted(request.user.dealer_ids)
    if dealer_id.isdigit():
        dealer_ids = sorted(request.user.dealer_ids & {int(dealer_id)})
    ids = selectors.customer_search_ids(dealer_ids=dealer_ids, query=query)[:10] if query else []
    exclude = request.GET.get("exclude", "")
    customers = [
        c for c in selectors.customers_by_ids(user=request.user, ids=ids) if str(c.pk) != exclude
    ]
    return render(
        request,
        "customers/partials/picker.html",
        {"customers": customers, "field": request.GET.get("field", "new_owner")},
    )


def _vehicle_for(request, pk):
    return get_object_or_404(Vehicle.objects.for_user(request.user).select_related("owner"), pk=pk)


@login_required
def vehicle_create(request, customer_pk):
    _require(request, "customers.edit")
    owner = get_object_or_404(Customer.objects.for_user(request.user).current(), pk=customer_pk)
    form = VehicleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vehicle = services.vehicle_create(owner=owner, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Vehicle %(vehicle)s added.") % {"vehicle": vehicle})
            return redirect(vehicle)
    return render(request, "customers/vehicle_form.html", {"form": form, "customer": owner})


@login_required
def vehicle_edit(request, pk):
    _require(request, "customers.edit")
    vehicle = _vehicle_for(request, pk)
    form = VehicleForm(request.POST or None, instance=vehicle)
    if request.method == "POST" and form.is_valid():
        try:
            services.vehicle_update(
                vehicle=Vehicle.objects.get(pk=pk), by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(vehicle)
    return render(
        request,
        "customers/vehicle_form.html",
        {"form": form, "customer": vehicle.owner, "vehicle": vehicle},
    )


@login_required
def vehicle_transfer(request, pk):
    _require(request, "customers.edit")
    vehicle = _vehicle_for(request, pk)
    candidates = Customer.objects.filter(dealer_id=vehicle.dealer_id).current()
    form = TransferForm(request.POST or None, customers=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            services.vehicle_transfer(vehicle=vehicle, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(
                request,
                _("%(vehicle)s now belongs to %(owner)s.")
                % {"vehicle": vehicle, "owner": form.cleaned_data["new_owner"]},
            )
            return redirect(form.cleaned_data["new_owner"])
    return render(request, "customers/transfer.html", {"form": form, "vehicle": vehicle})


@login_required
def visit_create(request, customer_pk):
    _require(request, "customers.edit")
    customer = get_object_or_404(Customer.objects.for_user(request.user).current(), pk=customer_pk)
    form = ServiceVisitForm(request.POST or None, vehicles=customer.vehicles.all())
    if request.GET.get("vehicle"):
        form.initial["vehicle"] = request.GET["vehicle"]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.service_visit_record(by=request.user, **data)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Service visit recorded."))
            return redirect(customer)
    return render(
        request,
        "customers/visit_form.html",
        {"form": form, "customer": customer, "cancel_url": customer.get_absolute_url()},
    )


@login_required
def mileage_correct(request, pk):
    _require(request, "customers.merge")
    vehicle = _vehicle_for(request, pk)
    form = MileageCorrectionForm(request.POST or None, initial={"new_mileage": vehicle.mileage})
    if request.method == "POST" and form.is_valid():
        try:
            services.mileage_correct(vehicle=vehicle, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_apply(form, error)
        else:
            messages.success(request, _("Odometer reading corrected."))
            return redirect(vehicle)
    return render(
        request,
        "customers/mileage_form.html",
        {"form": form, "vehicle": vehicle, "cancel_url": vehicle.get_absolute_url()},
    )
