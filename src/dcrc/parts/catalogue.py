"""The parts catalogue (配件目录): adding and changing parts. Stock moves in parts.stock."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .choices import Origin
from .models import Part

if TYPE_CHECKING:
    from dcrc.core.models import Dealer, User

PART_FIELDS = (
    "code",
    "name",
    "brand",
    "category",
    "applicable_models",
    "unit",
    "origin",
    "default_bin",
    "sale_price",
    "cost_price",
    "low_stock_threshold",
    "active",
)
MAX_MONEY = Decimal("9999999999.99")
MAX_THRESHOLD = Decimal("99999999")


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(PART_FIELDS)
    if unknown:
        raise TypeError(f"unknown part fields: {sorted(unknown)}")
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    errors: dict[str, list[str]] = {}
    for name in ("code", "name", "unit"):
        if name in values and not values[name]:
            errors[name] = [_("This field is required.")]
    if "code" in values and values["code"]:
        values["code"] = values["code"].upper()
    if "origin" in values and values["origin"] not in Origin.values:
        errors["origin"] = [_("Choose OEM or aftermarket.")]
    for name in ("sale_price", "cost_price"):
        value = values.get(name)
        if name in values and (value is None or not Decimal("0") <= value <= MAX_MONEY):
            errors[name] = [_("Enter an amount of zero or more.")]
    threshold = values.get("low_stock_threshold")
    if "low_stock_threshold" in values and (
        threshold is None or not Decimal("0") <= threshold <= MAX_THRESHOLD
    ):
        errors["low_stock_threshold"] = [_("Enter a quantity of zero or more.")]
    if errors:
        raise ValidationError(errors)
    return values


def _code_free(dealer_id: int, code: str, exclude_pk: int | None = None) -> None:
    taken = Part.objects.filter(dealer_id=dealer_id, code=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {"code": [_("Part no. %(code)s is already in the catalogue.") % {"code": code}]}
        )


@transaction.atomic
def part_create(*, dealer: Dealer, by: User, **fields: Any) -> Part:
    """Add a part to the dealer's catalogue; the part no. is unique per dealer."""
    values = _clean(fields)
    for name in ("code", "name"):
        if not values.get(name):
            raise ValidationError({name: [_("This field is required.")]})
    _code_free(dealer.pk, values["code"])
    return Part.objects.create(dealer=dealer, **values)


@transaction.atomic
def part_update(*, part: Part, by: User, **fields: Any) -> Part:
    """Change a catalogue entry. Repair-order lines keep the code and name they were made with."""
    values = _clean(fields)
    part = Part.objects.select_for_update().get(pk=part.pk)
    if "code" in values:
        _code_free(part.dealer_id, values["code"], exclude_pk=part.pk)
    for name, value in values.items():
        setattr(part, name, value)
    part.save()
    return part
