"""Customers, vehicles and the search box (domain §2) over the REST API.

Every read goes through Customer/Vehicle.objects.for_user() or the customer selectors, so
another dealer's id answers 404 and lists never include its rows. Every write goes through
the customer services, whose field errors answer 422.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.errors import HttpError

from dcrc.core.choices import AccessAction
from dcrc.core.models import Dealer, User
from dcrc.core.selectors import dealers_for_user
from dcrc.core.services import personal_data_access_record
from dcrc.core.tenancy import scoped_dealer_ids
from dcrc.customers import selectors, services
from dcrc.customers.models import Customer, Vehicle

from . import queries
from .auth import api_user
from .customer_schemas import (
    CustomerCreateIn,
    CustomerDetailOut,
    CustomerListParams,
    CustomerPage,
    CustomerUpdateIn,
    ListParams,
    Reveal,
    SearchParams,
    UnmaskParams,
    VehicleCreateIn,
    VehicleOut,
    VehiclePage,
    VehicleUpdateIn,
    customer_detail_out,
    customer_out,
    service_fields,
)
from .errors import forbidden, invalid
from .pagination import page_of_list, page_of_queryset
from .schemas import BIGINT_MAX, READ_ERRORS, WRITE_ERRORS

customers = Router(tags=["customers"])
vehicles = Router(tags=["vehicles"])
search = Router(tags=["search"])

CUSTOMER_ID = Path(..., ge=1, le=BIGINT_MAX, description="Customer id")
VEHICLE_ID = Path(..., ge=1, le=BIGINT_MAX, description="Vehicle id")


# --- helpers: permission, masking, audit, tenancy ------------------------------------------


def _require_edit(user: User) -> None:
    if not user.has_perm("customers.edit"):
        raise forbidden(_("Your role may not edit the customer archive."))


def _reveal(user: User, unmask: bool) -> Reveal:
    """What the caller sees unmasked: nothing unless asked, then what their role allows."""
    if not unmask:
        return Reveal()
    reveal = Reveal(
        phones=user.has_perm("customers.reveal_phone"),
        id_number=user.has_perm("customers.reveal_id_number"),
    )
    if not reveal.fields:
        raise forbidden(_("Your role may not see unmasked phone or ID numbers."))
    return reveal


def _record_reads(request: HttpRequest, reveal: Reveal, rows: list[Customer]) -> None:
    """Log an unmasked read (PIPL): one entry per dealer whose customers were shown."""
    if not reveal.fields or not rows:
        return
    by_dealer: dict[int, list[Customer]] = {}
    for customer in rows:
        by_dealer.setdefault(customer.dealer_id, []).append(customer)
    detail = f"{request.method} {request.get_full_path()} ({', '.join(reveal.fields)})"
    for dealer_rows in by_dealer.values():
        personal_data_access_record(
            user=api_user(request),
            action=AccessAction.API_READ,
            object_type="customer",
            object_id=dealer_rows[0].pk if len(rows) == 1 else None,
            dealer=dealer_rows[0].dealer,
            detail=detail,
            row_count=len(dealer_rows),
            ip_address=request.META.get("REMOTE_ADDR") or None,
        )


def _dealer_filter(user: User, ref: str | None) -> Dealer | None:
    if ref is None:
        return None
    dealer = queries.dealer_by_ref(user=user, ref=ref)
    if dealer is None:
        raise invalid(("query", "dealer"), _("Unknown dealer, or not one of yours."))
    return dealer


def _dealer_of_new_customer(user: User, ref: int | str | None) -> Dealer:
    """The dealer named in the body, or the user's only dealer."""
    if ref is not None:
        dealer = queries.dealer_by_ref(user=user, ref=ref)
        if dealer is None:
            raise ValidationError({"dealer": [_("Unknown dealer, or not one of yours.")]})
        return dealer
    dealers = list(dealers_for_user(user)[:2])
    if len(dealers) == 1:
        return dealers[0]
    if not dealers:
        raise ValidationError({"dealer": [_("You do not work for any dealer.")]})
    raise ValidationError({"dealer": [_("You work for several dealers; say which one.")]})


def _customer_for_write(user: User, pk: int) -> Customer:
    customer = Customer.objects.for_user(user).filter(pk=pk).first()
    if customer is None:
        raise HttpError(404, "Not Found")
    if customer.merged_into_id:
        raise HttpError(
            409,
            _("This customer was merged into customer %(id)s; change that one.")
            % {"id": customer.merged_into_id},
        )
    return customer


def _customer_detail(user: User, pk: int) -> Customer:
    try:
        return selectors.customer_detail(user=user, pk=pk)
    except Customer.DoesNotExist:
        raise HttpError(404, "Not Found") from None


def _vehicle(user: User, pk: int) -> Vehicle:
    vehicle = queries.vehicle_list_queryset(user=user).filter(pk=pk).first()
    if vehicle is None:
        raise HttpError(404, "Not Found")
    return vehicle


def _customer_page(request: HttpRequest, params: CustomerListParams) -> dict[str, Any]:
    user = api_user(request)
    reveal = _reveal(user, params.unmask)
    dealer = _dealer_filter(user, params.dealer)
    if params.q:
        ids = selectors.customer_search_ids(
            dealer_ids=scoped_dealer_ids(user, dealer), query=params.q
        )
        count, page_ids = page_of_list(ids, params)
        rows = selectors.customers_by_ids(user=user, ids=page_ids)
    else:
        queryset = selectors.customer_list_queryset(user=user, dealer=dealer).order_by("-id")
        count, rows = page_of_queryset(queryset, params)
    _record_reads(request, reveal, rows)
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "items": [customer_out(customer, reveal) for customer in rows],
    }


# --- customers -----------------------------------------------------------------------------


@customers.get("", response={200: CustomerPage, **READ_ERRORS}, summary="List or search customers")
def customer_list(request: HttpRequest, params: Query[CustomerListParams]) -> dict[str, Any]:
    """The archive, newest first; with `q`, the search box's ranked results."""
    return _customer_page(request, params)


@customers.get("/{customer_id}", response={200: CustomerDetailOut, **READ_ERRORS})
def customer_get(
    request: HttpRequest, params: Query[UnmaskParams], customer_id: int = CUSTOMER_ID
) -> dict[str, Any]:
    """One customer with every field and its vehicles. A merged record names `merged_into`."""
    user = api_user(request)
    reveal = _reveal(user, params.unmask)
    customer = _customer_detail(user, customer_id)
    _record_reads(request, reveal, [customer])
    return customer_detail_out(customer, reveal)


@customers.post("", response={201: CustomerDetailOut, **WRITE_ERRORS})
def customer_create(
    request: HttpRequest, payload: CustomerCreateIn, params: Query[UnmaskParams]
) -> Status:
    """Add a customer; phone, ID numbers and text are cleaned, the owner code numbered."""
    user = api_user(request)
    _require_edit(user)
    reveal = _reveal(user, params.unmask)
    dealer = _dealer_of_new_customer(user, payload.dealer)
    customer = services.customer_create(
        dealer=dealer, by=user, **service_fields(payload, Customer, exclude={"dealer"})
    )
    customer = _customer_detail(user, customer.pk)
    _record_reads(request, reveal, [customer])
    return Status(201, customer_detail_out(customer, reveal))


@customers.patch("/{customer_id}", response={200: CustomerDetailOut, **WRITE_ERRORS})
def customer_update(
    request: HttpRequest,
    payload: CustomerUpdateIn,
    params: Query[UnmaskParams],
    customer_id: int = CUSTOMER_ID,
) -> dict[str, Any]:
    """Change the fields given; `null` clears an optional field."""
    user = api_user(request)
    _require_edit(user)
    reveal = _reveal(user, params.unmask)
    customer = _customer_for_write(user, customer_id)
    services.customer_update(customer=customer, by=user, **service_fields(payload, Customer))
    customer = _customer_detail(user, customer.pk)
    _record_reads(request, reveal, [customer])
    return customer_detail_out(customer, reveal)


@customers.post("/{customer_id}/vehicles", response={201: VehicleOut, **WRITE_ERRORS})
def vehicle_create(
    request: HttpRequest, payload: VehicleCreateIn, customer_id: int = CUSTOMER_ID
) -> Status:
    """Add a vehicle owned by this customer (an ownership period starts at the purchase date)."""
    user = api_user(request)
    _require_edit(user)
    owner = _customer_for_write(user, customer_id)
    vehicle = services.vehicle_create(owner=owner, by=user, **service_fields(payload, Vehicle))
    return Status(201, _vehicle(user, vehicle.pk))


# --- vehicles ------------------------------------------------------------------------------


@vehicles.get("", response={200: VehiclePage, **READ_ERRORS}, summary="List or search vehicles")
def vehicle_list(request: HttpRequest, params: Query[ListParams]) -> dict[str, Any]:
    """Vehicles, newest first; with `q`, ranked like the customer search: a plate or VIN finds
    that vehicle, a name or phone the owner's vehicles."""
    user = api_user(request)
    dealer = _dealer_filter(user, params.dealer)
    vehicle_rows = queries.vehicle_list_queryset(user=user, dealer=dealer)
    if params.q:
        ids = queries.vehicle_search_ids(dealer_ids=scoped_dealer_ids(user, dealer), query=params.q)
        count, page_ids = page_of_list(ids, params)
        found = vehicle_rows.in_bulk(page_ids)
        rows = [found[pk] for pk in page_ids if pk in found]
    else:
        count, rows = page_of_queryset(vehicle_rows.order_by("-id"), params)
    return {"count": count, "page": params.page, "page_size": params.page_size, "items": rows}


@vehicles.get("/{vehicle_id}", response={200: VehicleOut, **READ_ERRORS})
def vehicle_get(request: HttpRequest, vehicle_id: int = VEHICLE_ID) -> Vehicle:
    return _vehicle(api_user(request), vehicle_id)


@vehicles.patch("/{vehicle_id}", response={200: VehicleOut, **WRITE_ERRORS})
def vehicle_update(
    request: HttpRequest, payload: VehicleUpdateIn, vehicle_id: int = VEHICLE_ID
) -> Vehicle:
    """Change the fields given; `null` clears an optional field. Mileage moves only through
    service visits; the owner only through a transfer."""
    user = api_user(request)
    _require_edit(user)
    vehicle = _vehicle(user, vehicle_id)
    services.vehicle_update(vehicle=vehicle, by=user, **service_fields(payload, Vehicle))
    return _vehicle(user, vehicle_id)


# --- the search box ------------------------------------------------------------------------


@search.get("", response={200: CustomerPage, **READ_ERRORS}, summary="Search customers")
def customer_search(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    """The search box: customers by name, pinyin, initials, phone, plate or VIN, best first."""
    return _customer_page(request, params)
