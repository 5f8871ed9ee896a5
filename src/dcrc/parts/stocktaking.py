"""Stocktaking (盘点): count one warehouse, see the variance, post it as movements.

Opening a count freezes what the books expect in every bin. The warehouse keeps working while
people count, so posting does not overwrite the level with the counted figure: it applies the
variance (counted − expected at the start) to the level as it is now, under the same row locks
as every other stock change. An adjustment that would take a bin below zero is refused.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dcrc.core.services import sequence_next

from . import stock
from .choices import MovementKind, StocktakeState
from .models import Part, StockLevel, Stocktake, StocktakeLine, Warehouse

if TYPE_CHECKING:
    from dcrc.core.models import User


def _locked(stocktake: Stocktake) -> Stocktake:
    stocktake = Stocktake.objects.select_for_update().get(pk=stocktake.pk)
    if stocktake.state != StocktakeState.COUNTING:
        raise ValidationError({"state": [_("This stocktake is no longer being counted.")]})
    return stocktake


@transaction.atomic
def stocktake_open(
    *, warehouse: Warehouse, by: User, note: str = "", at: datetime.datetime | None = None
) -> Stocktake:
    """Start counting a warehouse: one line per part and bin with what the books expect."""
    now = at or timezone.now()
    if Stocktake.objects.filter(warehouse=warehouse, state=StocktakeState.COUNTING).exists():
        raise ValidationError({"warehouse": [_("A count of this warehouse is already open.")]})
    number = sequence_next(dealer=warehouse.dealer, name="stocktake")[0]
    stocktake = Stocktake.objects.create(
        dealer_id=warehouse.dealer_id,
        number=f"PD{timezone.localdate(now):%y%m}{number:04d}",
        warehouse=warehouse,
        note=note.strip()[:200],
        started_by=by,
        started_at=now,
    )
    # The levels are locked while they are copied: the frozen figures are one moment's.
    levels = (
        StockLevel.objects.select_for_update(of=("self",))
        .filter(warehouse=warehouse, part__active=True)
        .order_by("pk")
        .values_list("part_id", "bin", "on_hand")
    )
    StocktakeLine.objects.bulk_create(
        StocktakeLine(stocktake=stocktake, part_id=part_id, bin=bin, expected=on_hand)
        for part_id, bin, on_hand in levels
    )
    return stocktake


@transaction.atomic
def stocktake_count(
    *, stocktake: Stocktake, counts: dict[int, Decimal | None], by: User
) -> Stocktake:
    """Enter counted quantities by line id (None clears a count not yet known)."""
    stocktake = _locked(stocktake)
    lines = {
        line.pk: line for line in stocktake.lines.select_related("part").filter(pk__in=list(counts))
    }
    errors = []
    for pk, counted in counts.items():
        line = lines.get(pk)
        if line is None:
            continue
        if counted is not None and (
            counted < 0
            or counted > stock.MAX_QUANTITY
            or counted != counted.quantize(Decimal("0.01"))
        ):
            errors.append(
                _("%(part)s %(bin)s: enter a count of zero or more.")
                % {"part": line.part.code, "bin": line.bin}
            )
            continue
        line.counted = counted
    if errors:
        raise ValidationError({"counted": errors})
    StocktakeLine.objects.bulk_update(lines.values(), ["counted"])
    return stocktake


@transaction.atomic
def stocktake_line_add(
    *, stocktake: Stocktake, part: Part, bin: str, counted: Decimal, by: User
) -> StocktakeLine:
    """A part found where the books had none: a line expected zero, counted as found."""
    stocktake = _locked(stocktake)
    if part.dealer_id != stocktake.dealer_id:
        raise ValidationError({"part": [_("Choose a part of this dealer.")]})
    if counted is None or counted < 0:
        raise ValidationError({"counted": [_("Enter a count of zero or more.")]})
    bin = bin.strip()
    if stocktake.lines.filter(part=part, bin=bin).exists():
        raise ValidationError({"part": [_("This part and bin are already on the count.")]})
    return StocktakeLine.objects.create(
        stocktake=stocktake, part=part, bin=bin, expected=Decimal("0"), counted=counted
    )


@transaction.atomic
def stocktake_post(
    *, stocktake: Stocktake, by: User, at: datetime.datetime | None = None
) -> Stocktake:
    """Post the variances as stocktaking movements; every line must have been counted."""
    now = at or timezone.now()
    stocktake = _locked(stocktake)
    lines = list(stocktake.lines.select_related("part").order_by("part_id", "bin"))
    uncounted = sum(1 for line in lines if line.counted is None)
    if uncounted:
        raise ValidationError(
            {"counted": [_("%(n)s lines are not counted yet.") % {"n": uncounted}]}
        )
    warehouse = stocktake.warehouse
    errors = []
    touched: list[Part] = []
    for line in lines:
        variance = line.counted - line.expected
        if not variance:
            continue
        # Parts in pk order, each part's levels in pk order: the lock order of parts.stock.
        stock.levels_locked(line.part, warehouse)
        level = stock._level(line.part, warehouse, line.bin)
        if level.on_hand + variance < 0:
            errors.append(
                _("%(part)s %(bin)s: only %(on_hand)s left now, cannot take off %(variance)s.")
                % {
                    "part": line.part.code,
                    "bin": line.bin or "—",
                    "on_hand": level.on_hand,
                    "variance": -variance,
                }
            )
            continue
        stock._movement(
            level,
            kind=MovementKind.STOCKTAKE,
            quantity=variance,
            by=by,
            at=now,
            unit_cost=line.part.cost_price,
            stocktake=stocktake,
            reference=stocktake.number,
        )
        if variance > 0:
            touched.append(line.part)
    if errors:
        raise ValidationError({"counted": errors})
    for part in touched:
        stock._backorders_fill(part, warehouse)
    stocktake.state = StocktakeState.POSTED
    stocktake.posted_by = by
    stocktake.posted_at = now
    stocktake.save(update_fields=["state", "posted_by", "posted_at"])
    return stocktake


@transaction.atomic
def stocktake_cancel(*, stocktake: Stocktake, by: User) -> Stocktake:
    stocktake = _locked(stocktake)
    stocktake.state = StocktakeState.CANCELLED
    stocktake.save(update_fields=["state"])
    return stocktake
