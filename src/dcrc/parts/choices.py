"""Enumerations of the parts warehouse (domain §8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    OEM = "oem", _("Original (OEM)")
    AFTERMARKET = "aftermarket", _("Aftermarket")


class MovementKind(models.TextChoices):
    """Why stock moved; the sign of the quantity says which way."""

    RECEIVE = "receive", _("Receiving")
    ISSUE = "issue", _("Requisition for a repair order")
    RETURN = "return", _("Return from a repair order")
    EXCHANGE_OUT = "exchange_out", _("Exchange: new part issued")
    EXCHANGE_IN = "exchange_in", _("Exchange: part taken back")
    STOCKTAKE = "stocktake", _("Stocktaking variance")
    ADJUST = "adjust", _("Adjustment")


class ReservationState(models.TextChoices):
    RESERVED = "reserved", _("Reserved")
    BACKORDERED = "backordered", _("Back-ordered")
    ISSUED = "issued", _("Issued")
    RELEASED = "released", _("Released")


OPEN_RESERVATION_STATES = (ReservationState.RESERVED, ReservationState.BACKORDERED)


class StocktakeState(models.TextChoices):
    COUNTING = "counting", _("Counting")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


class OldPartDisposition(models.TextChoices):
    """What happens to a replaced part (旧件回收)."""

    TO_CUSTOMER = "to_customer", _("Handed to the customer")
    TO_MANUFACTURER = "to_manufacturer", _("Returned to the manufacturer (warranty)")
    STORED = "stored", _("Kept in the old-parts store")
    SCRAPPED = "scrapped", _("Scrapped")
