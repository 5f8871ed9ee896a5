"""Reads of the parts warehouse shared by the pages, the API and the demo."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .choices import Origin, ReservationState
from .models import (
    Part,
    Reservation,
    StockLevel,
    StockMovement,
    Stocktake,
    StocktakeLine,
    Warehouse,
    low_stock_filter,
)

if TYPE_CHECKING:
    from dcrc.core.models import User

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=12, decimal_places=2))


def _total(queryset: QuerySet, field: str) -> Coalesce:
    return Coalesce(
        Subquery(
            queryset.order_by().values("part_id").annotate(total=Sum(field)).values("total")[:1]
        ),
        ZERO,
    )


def with_stock(parts: QuerySet[Part], warehouse_id: int | None = None) -> QuerySet[Part]:
    """Annotate `total_on_hand`, `reserved` and `backordered` (one warehouse, or all)."""
    levels = StockLevel.objects.filter(part_id=OuterRef("pk"))
    reservations = Reservation.objects.filter(part_id=OuterRef("pk"))
    if warehouse_id is not None:
        levels = levels.filter(warehouse_id=warehouse_id)
        reservations = reservations.filter(warehouse_id=warehouse_id)
    return parts.annotate(
        total_on_hand=_total(levels, "on_hand"),
        reserved=_total(reservations.filter(state=ReservationState.RESERVED), "quantity"),
        backordered=_total(reservations.filter(state=ReservationState.BACKORDERED), "quantity"),
    )


@dataclass
class PartFilter:
    q: str = ""
    category: str = ""
    origin: str = ""
    low: bool = False
    inactive: bool = False

    @classmethod
    def from_params(cls, params) -> PartFilter:
        origin = params.get("origin", "")
        return cls(
            q=(params.get("q") or "").strip()[:50],
            category=(params.get("category") or "").strip()[:30],
            origin=origin if origin in Origin.values else "",
            low=params.get("low") == "1",
            inactive=params.get("inactive") == "1",
        )

    def query_string(self) -> str:
        from urllib.parse import urlencode

        pairs = {"q": self.q, "category": self.category, "origin": self.origin}
        pairs.update({"low": "1" if self.low else "", "inactive": "1" if self.inactive else ""})
        encoded = urlencode({k: v for k, v in pairs.items() if v})
        return f"{encoded}&" if encoded else ""


def part_list(*, dealer_ids: list[int], filters: PartFilter) -> QuerySet[Part]:
    """The catalogue with stock, searched by part no., name or brand."""
    parts = Part.objects.filter(dealer_id__in=dealer_ids).select_related("dealer")
    if not filters.inactive:
        parts = parts.filter(active=True)
    if filters.q:
        q = filters.q
        parts = parts.filter(
            Q(code__istartswith=q)
            | Q(code__icontains=q)
            | Q(name__icontains=q)
            | Q(brand__icontains=q)
            | Q(applicable_models__icontains=q)
        )
    if filters.category:
        parts = parts.filter(category=filters.category)
    if filters.origin:
        parts = parts.filter(origin=filters.origin)
    parts = with_stock(parts)
    if filters.low:
        parts = parts.filter(low_stock_filter())
    return parts.order_by("code", "pk")


def part_categories(*, dealer_ids: list[int]) -> list[str]:
    return list(
        Part.objects.filter(dealer_id__in=dealer_ids)
        .exclude(category="")
        .values_list("category", flat=True)
        .distinct()
        .order_by("category")[:100]
    )


def part_for_user(*, user: User, pk: int, dealer=None) -> Part:
    """One part of the user's dealers (Part.DoesNotExist otherwise: the view answers 404)."""
    return with_stock(Part.objects.for_user(user, dealer)).select_related("dealer").get(pk=pk)


def part_levels(part: Part) -> list[StockLevel]:
    """Stock per warehouse and bin, empty bins last."""
    return list(
        StockLevel.objects.filter(part=part)
        .select_related("warehouse")
        .order_by("warehouse__code", "-on_hand", "bin")
    )


def part_movements(part: Part) -> QuerySet[StockMovement]:
    return (
        StockMovement.objects.filter(part=part)
        .select_related("warehouse", "by", "repair_order")
        .order_by("-at", "-pk")
    )


def part_open_reservations(part: Part) -> list[Reservation]:
    return list(
        Reservation.objects.filter(
            part=part, state__in=(ReservationState.RESERVED, ReservationState.BACKORDERED)
        )
        .select_related("appointment", "repair_order", "warehouse")
        .order_by("needed_by", "pk")[:50]
    )


def warehouses(*, dealer_ids: list[int]) -> list[Warehouse]:
    return list(
        Warehouse.objects.filter(dealer_id__in=dealer_ids)
        .select_related("dealer")
        .order_by("dealer_id", "-is_default", "code")
    )


def low_stock(*, warehouse: Warehouse) -> QuerySet[Part]:
    """Parts with a threshold whose stock in this warehouse is at or below it (低库存预警)."""
    parts = Part.objects.filter(
        dealer_id=warehouse.dealer_id, active=True, low_stock_threshold__gt=0
    )
    return with_stock(parts, warehouse.pk).filter(low_stock_filter()).order_by("code", "pk")


def movements(*, dealer_ids: list[int], kind: str = "") -> QuerySet[StockMovement]:
    rows = StockMovement.objects.filter(dealer_id__in=dealer_ids)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.select_related("part", "warehouse", "by", "repair_order").order_by("-at", "-pk")


def stocktakes(*, dealer_ids: list[int]) -> QuerySet[Stocktake]:
    return (
        Stocktake.objects.filter(dealer_id__in=dealer_ids)
        .select_related("warehouse", "started_by", "posted_by")
        .order_by("-started_at", "-pk")
    )


def stocktake_for_user(*, user: User, pk: int, dealer=None) -> Stocktake:
    return (
        Stocktake.objects.for_user(user, dealer)
        .select_related("warehouse", "started_by", "posted_by")
        .get(pk=pk)
    )


def stocktake_lines(stocktake: Stocktake, *, variance_only: bool = False) -> list[StocktakeLine]:
    lines = list(stocktake.lines.select_related("part").order_by("bin", "part__code", "pk"))
    if variance_only:
        lines = [line for line in lines if line.variance]
    return lines


@dataclass
class StocktakeSummary:
    lines: int
    counted: int
    over: int
    short: int
    variance_value: Decimal


def stocktake_summary(lines: list[StocktakeLine]) -> StocktakeSummary:
    counted = [line for line in lines if line.counted is not None]
    return StocktakeSummary(
        lines=len(lines),
        counted=len(counted),
        over=sum(1 for line in counted if line.variance > 0),
        short=sum(1 for line in counted if line.variance < 0),
        variance_value=sum(
            (line.variance * line.part.cost_price for line in counted), Decimal("0")
        ).quantize(Decimal("0.01")),
    )
