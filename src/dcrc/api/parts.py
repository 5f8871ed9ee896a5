"""The parts catalogue over the REST API: search with stock, and one part with its bins.

Reads only (stock moves on the warehouse's pages, under the row locks of parts.stock).
Another dealer's part answers 404; a role without `parts.view` answers 403.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError

from dcrc.core.tenancy import scoped_dealer_ids
from dcrc.parts import selectors
from dcrc.parts.choices import Origin
from dcrc.parts.models import Part

from .auth import api_user
from .customers import _dealer_filter
from .errors import forbidden
from .pagination import PageParams, page_of_queryset
from .schemas import BIGINT_MAX, READ_ERRORS, Choice, PageOut, Text

parts = Router(tags=["parts"])

CENT = Decimal("0.01")
PART_ID = Path(..., ge=1, le=BIGINT_MAX, description="Part id")


class PartListParams(PageParams):
    dealer: Text(20) | None = Field(  # type: ignore[valid-type]
        None, description="Dealer id or code (one of yours)"
    )
    q: Text(50) = Field("", description="Part no., name, brand or applicable model")  # type: ignore[valid-type]
    category: Text(30) = ""  # type: ignore[valid-type]
    origin: Choice(Origin, blank=True) = ""  # type: ignore[valid-type]
    low_stock: bool = Field(False, description="Only parts at or below their threshold")


class PartOut(Schema):
    id: int
    dealer_id: int
    code: str
    name: str
    brand: str
    category: str
    applicable_models: str
    unit: str
    origin: str
    shelf: str
    sale_price: Decimal
    low_stock_threshold: Decimal
    active: bool
    on_hand: Decimal = Field(description="On hand in every warehouse of the dealer")
    reserved: Decimal = Field(description="Promised to appointments and orders, not yet issued")
    backordered: Decimal
    available: Decimal = Field(description="On hand less reserved")


class PartPage(PageOut):
    results: list[PartOut]


class StockLevelOut(Schema):
    warehouse_code: str
    warehouse_name: str
    bin: str
    on_hand: Decimal


class MovementOut(Schema):
    at: datetime.datetime
    kind: str
    warehouse_code: str
    bin: str
    quantity: Decimal
    reference: str


class PartDetailOut(PartOut):
    cost_price: Decimal
    stock: list[StockLevelOut]
    movements: list[MovementOut] = Field(description="The latest 20 movements")


def _require_view(user) -> None:
    if not user.has_perm("parts.view"):
        raise forbidden(_("Your role may not see the parts warehouse."))


def _quantity(value: Decimal) -> Decimal:
    # Sums come back without their scale on SQLite; the API always shows two decimals.
    return Decimal(value).quantize(CENT)


def _out(part: Part) -> dict[str, Any]:
    return {
        "id": part.pk,
        "dealer_id": part.dealer_id,
        "code": part.code,
        "name": part.name,
        "brand": part.brand,
        "category": part.category,
        "applicable_models": part.applicable_models,
        "unit": part.unit,
        "origin": part.origin,
        "shelf": part.default_bin,
        "sale_price": part.sale_price,
        "low_stock_threshold": part.low_stock_threshold,
        "active": part.active,
        "on_hand": _quantity(part.total_on_hand),
        "reserved": _quantity(part.reserved),
        "backordered": _quantity(part.backordered),
        "available": _quantity(part.total_on_hand - part.reserved),
    }


@parts.get("", response={200: PartPage, **READ_ERRORS}, summary="Search the parts catalogue")
def part_list(request: HttpRequest, params: Query[PartListParams]) -> dict[str, Any]:
    """Active parts of your dealers with their stock, by part no."""
    user = api_user(request)
    _require_view(user)
    dealer = _dealer_filter(user, params.dealer)
    filters = selectors.PartFilter(
        q=params.q, category=params.category, origin=params.origin, low=params.low_stock
    )
    rows = selectors.part_list(dealer_ids=scoped_dealer_ids(user, dealer), filters=filters)
    count, page = page_of_queryset(rows, params)
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "results": [_out(part) for part in page],
    }


@parts.get("/{part_id}", response={200: PartDetailOut, **READ_ERRORS}, summary="One part")
def part_get(request: HttpRequest, part_id: int = PART_ID) -> dict[str, Any]:
    """A part with its stock per warehouse and bin and its latest movements."""
    user = api_user(request)
    _require_view(user)
    try:
        part = selectors.part_for_user(user=user, pk=part_id)
    except Part.DoesNotExist:
        raise HttpError(404, "Not Found") from None
    return {
        **_out(part),
        "cost_price": part.cost_price,
        "stock": [
            {
                "warehouse_code": level.warehouse.code,
                "warehouse_name": level.warehouse.name,
                "bin": level.bin,
                "on_hand": level.on_hand,
            }
            for level in selectors.part_levels(part)
        ],
        "movements": [
            {
                "at": m.at,
                "kind": m.kind,
                "warehouse_code": m.warehouse.code,
                "bin": m.bin,
                "quantity": m.quantity,
                "reference": m.reference,
            }
            for m in selectors.part_movements(part)[:20]
        ],
    }
