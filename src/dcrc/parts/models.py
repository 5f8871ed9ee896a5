"""The parts warehouse (domain §8): catalogue, stock per warehouse and bin, movements.

Stock is held in StockLevel rows, one per part, warehouse and bin. Every change of stock goes
through parts.stock (row-locked, never below zero) and leaves a StockMovement behind it.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dcrc.core.tenancy import DealerOwned

from . import choices


def quantity_field(verbose_name, **kwargs):
    """Quantities carry two decimals: oil is sold by the litre, paint by the kilogram."""
    return models.DecimalField(verbose_name, max_digits=10, decimal_places=2, **kwargs)


def money_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class Warehouse(DealerOwned):
    """A store room of the dealer (main store, paint store, old-parts store)."""

    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=50)
    is_default = models.BooleanField(_("default for requisitions"), default=False)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["dealer", "code"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "code"], name="warehouse_code"),
            models.UniqueConstraint(
                fields=["dealer"], condition=Q(is_default=True), name="warehouse_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Part(DealerOwned):
    """A catalogue entry (配件目录): what the dealer stocks or orders."""

    code = models.CharField(_("part no."), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    brand = models.CharField(_("brand"), max_length=30, blank=True)
    category = models.CharField(_("category"), max_length=30, blank=True)
    applicable_models = models.CharField(_("applicable models"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=10, default="个")
    origin = models.CharField(
        _("origin"), max_length=20, choices=choices.Origin.choices, default=choices.Origin.OEM
    )
    default_bin = models.CharField(_("shelf"), max_length=20, blank=True)
    sale_price = money_field(_("sale price"), default=Decimal("0"))
    cost_price = money_field(_("cost price"), default=Decimal("0"))
    low_stock_threshold = quantity_field(_("low-stock threshold"), default=Decimal("0"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["dealer", "code"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "code"], name="part_code"),
            models.CheckConstraint(
                condition=Q(sale_price__gte=0, cost_price__gte=0, low_stock_threshold__gte=0),
                name="part_prices_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["dealer", "name"], name="part_name")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StockLevel(DealerOwned):
    """How many of a part lie in one bin of one warehouse.

    What is promised is not kept here but in the open Reservations of the part: available
    stock is the warehouse's on-hand less those, read under the levels' row locks.
    """

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stock")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock")
    bin = models.CharField(_("bin"), max_length=20, blank=True)
    on_hand = quantity_field(_("on hand"), default=Decimal("0"))

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["part", "warehouse", "bin"], name="stock_part_bin"),
            # The database itself refuses negative stock, whatever a bug or a race tries.
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_not_negative"),
        ]
        indexes = [models.Index(fields=["dealer", "warehouse", "bin"], name="stock_bin")]

    def __str__(self) -> str:
        return f"{self.part} @ {self.warehouse}/{self.bin}: {self.on_hand}"


class StockMovement(DealerOwned):
    """One change of stock (出入库记录): signed quantity, why, against what, by whom."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="movements")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    bin = models.CharField(_("bin"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=choices.MovementKind.choices)
    quantity = quantity_field(_("quantity"))
    unit_cost = money_field(_("unit cost"), default=Decimal("0"))
    repair_order = models.ForeignKey(
        "service.RepairOrder",
        verbose_name=_("repair order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stock_movements",
    )
    part_line = models.ForeignKey(
        "service.PartLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stock_movements",
    )
    stocktake = models.ForeignKey(
        "parts.Stocktake", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reference = models.CharField(_("reference"), max_length=50, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="movement_not_zero"),
        ]
        indexes = [
            models.Index(fields=["dealer", "at"], name="movement_dealer_at"),
            models.Index(fields=["part", "at"], name="movement_part_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.part} {self.quantity}"


class Reservation(DealerOwned):
    """Parts promised to an appointment or a repair order; back-ordered when not in stock."""

    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="reservations")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        "service.Appointment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reservations",
    )
    repair_order = models.ForeignKey(
        "service.RepairOrder",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reservations",
    )
    quantity = quantity_field(_("quantity"))
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=choices.ReservationState.choices,
        default=choices.ReservationState.RESERVED,
    )
    # A back-order (B/O): the supplier order and when the part is expected.
    supplier_order_no = models.CharField(_("supplier order no."), max_length=40, blank=True)
    expected_on = models.DateField(_("expected on"), null=True, blank=True)
    needed_by = models.DateTimeField(_("needed by"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["needed_by", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_quantity"),
            models.CheckConstraint(
                condition=Q(appointment__isnull=False) | Q(repair_order__isnull=False),
                name="reservation_for_something",
            ),
        ]
        indexes = [
            models.Index(fields=["dealer", "state", "needed_by"], name="reservation_open"),
            models.Index(fields=["part", "state"], name="reservation_part_state"),
        ]

    def __str__(self) -> str:
        return f"{self.part} × {self.quantity} ({self.get_state_display()})"


class Stocktake(DealerOwned):
    """A count of one warehouse (盘点): expected quantities frozen at the start, then counted."""

    number = models.CharField(_("stocktake no."), max_length=30)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=choices.StocktakeState.choices,
        default=choices.StocktakeState.COUNTING,
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    started_at = models.DateTimeField(_("started"))
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)

    class Meta:
        verbose_name = _("stocktake")
        verbose_name_plural = _("stocktakes")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "number"], name="stocktake_number"),
            models.UniqueConstraint(
                fields=["warehouse"],
                condition=Q(state="counting"),
                name="stocktake_one_open_per_warehouse",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class StocktakeLine(models.Model):
    """One bin of one part in a stocktake: expected when the count began, and counted."""

    stocktake = models.ForeignKey(Stocktake, on_delete=models.CASCADE, related_name="lines")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+")
    bin = models.CharField(_("bin"), max_length=20, blank=True)
    expected = quantity_field(_("expected"))
    counted = quantity_field(_("counted"), null=True, blank=True)

    class Meta:
        verbose_name = _("stocktake line")
        verbose_name_plural = _("stocktake lines")
        ordering = ["bin", "part__code"]
        constraints = [
            models.UniqueConstraint(fields=["stocktake", "part", "bin"], name="stocktake_line"),
            models.CheckConstraint(
                condition=Q(counted__isnull=True) | Q(counted__gte=0),
                name="stocktake_counted_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part} {self.bin}"

    @property
    def variance(self) -> Decimal | None:
        return None if self.counted is None else self.counted - self.expected


class OldPartReturn(DealerOwned):
    """A replaced part taken off a car (旧件回收) and where it went."""

    repair_order = models.ForeignKey(
        "service.RepairOrder", on_delete=models.PROTECT, related_name="old_parts"
    )
    part_line = models.ForeignKey(
        "service.PartLine", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.CharField(_("part"), max_length=100)
    quantity = quantity_field(_("quantity"))
    disposition = models.CharField(
        _("disposition"), max_length=20, choices=choices.OldPartDisposition.choices
    )
    claim_no = models.CharField(_("warranty claim no."), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("old part")
        verbose_name_plural = _("old parts")
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="old_part_quantity"),
        ]
        indexes = [models.Index(fields=["dealer", "at"], name="old_part_dealer_at")]

    def __str__(self) -> str:
        return f"{self.description} × {self.quantity}"


def low_stock_filter() -> Q:
    """Parts whose total on hand is at or below their threshold (annotated `total_on_hand`)."""
    return Q(low_stock_threshold__gt=0, total_on_hand__lte=F("low_stock_threshold"))
