"""Enumerations of after-sales operations (domain §8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class StationKind(models.TextChoices):
    """The workshop's stations (工位); also the work type of a labour item."""

    MAINTENANCE = "maintenance", _("Maintenance")
    MECHANICAL = "mechanical", _("Mechanical")
    SHEET_METAL = "sheet_metal", _("Sheet metal")
    PAINT = "paint", _("Paint")


class AppointmentSource(models.TextChoices):
    PROACTIVE = "proactive", _("Proactive (from a reminder)")
    CUSTOMER = "customer", _("Customer-initiated")


class ReminderMethod(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    NONE = "none", _("No reminder")


class AppointmentState(models.TextChoices):
    BOOKED = "booked", _("Booked")
    ARRIVED = "arrived", _("Arrived")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")


class BusinessType(models.TextChoices):
    SELF_PAY = "self_pay", _("Self-pay")
    WARRANTY = "warranty", _("Warranty")
    INSURANCE = "insurance", _("Insurance")
    INTERNAL = "internal", _("Internal")


class FuelLevel(models.IntegerChoices):
    EMPTY = 0, _("Empty")
    QUARTER = 25, "1/4"
    HALF = 50, "1/2"
    THREE_QUARTERS = 75, "3/4"
    FULL = 100, _("Full")


class OrderState(models.TextChoices):
    OPEN = "open", pgettext_lazy("repair order state", "Open")
    ESTIMATED = "estimated", _("Estimated")
    CONFIRMED = "confirmed", _("Confirmed")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_WORK = "in_work", _("In work")
    QC = "qc", _("Quality check")
    REWORK = "rework", _("Rework")
    READY = "ready", _("Ready for delivery")
    SETTLED = "settled", _("Settled")
    RELEASED = "released", pgettext_lazy("repair order state", "Released")
    CANCELLED = "cancelled", _("Cancelled")


# The vehicle is at the dealer: from opening until it drives away.
IN_SHOP_STATES = (
    OrderState.OPEN,
    OrderState.ESTIMATED,
    OrderState.CONFIRMED,
    OrderState.DISPATCHED,
    OrderState.IN_WORK,
    OrderState.QC,
    OrderState.REWORK,
    OrderState.READY,
    OrderState.SETTLED,
)
# On the workshop's kanban: confirmed work waiting for a station until it is ready.
WORKSHOP_STATES = (
    OrderState.CONFIRMED,
    OrderState.DISPATCHED,
    OrderState.IN_WORK,
    OrderState.QC,
    OrderState.REWORK,
    OrderState.READY,
)
# Lines may be added, changed or removed until the work is checked.
EDITABLE_STATES = (
    OrderState.OPEN,
    OrderState.ESTIMATED,
    OrderState.CONFIRMED,
    OrderState.DISPATCHED,
    OrderState.IN_WORK,
    OrderState.REWORK,
)
CANCELLABLE_STATES = (
    OrderState.OPEN,
    OrderState.ESTIMATED,
    OrderState.CONFIRMED,
    OrderState.DISPATCHED,
)


class OrderAction(models.TextChoices):
    """The steps of a repair order; each is logged as a RepairOrderEvent."""

    OPEN = "open", _("Opened")
    ESTIMATE = "estimate", _("Estimate made")
    CONFIRM = "confirm", _("Estimate confirmed by the customer")
    DISPATCH = "dispatch", _("Dispatched to the workshop")
    START = "start", _("Work started")
    FINISH = "finish", _("Work finished, to QC")
    QC_PASS = "qc_pass", _("QC passed")
    QC_FAIL = "qc_fail", _("QC failed, rework")
    REWORK_DONE = "rework_done", _("Rework finished, to QC")
    PRESETTLE = "presettle", _("Pre-settled by the advisor")
    SETTLE = "settle", _("Settled by the cashier")
    RELEASE = "release", _("Vehicle released")
    CANCEL = "cancel", _("Cancelled")
    CHANGE = "change", _("Lines changed")


class JobState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_WORK = "in_work", _("In work")
    DONE = "done", _("Done")


class QcResult(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class QcItem(models.TextChoices):
    """The final check list (竣工检验, domain §8)."""

    ALL_ITEMS_DONE = "all_items_done", _("All ordered items done")
    CAR_CLEAN = "car_clean", _("Car clean")
    AUDIO_AC_OFF = "audio_ac_off", _("Audio and air conditioning off")
    CLOCK_SEAT_RESTORED = "clock_seat_restored", _("Clock and seat restored")
    NO_TOOLS_LEFT = "no_tools_left", _("No tools left in the car")
    REPLACED_PARTS_PLACED = "replaced_parts_placed", _("Replaced parts placed for the customer")
    BODY_CHECKED = "body_checked", _("Body checked")
    DOORS_LOCKED = "doors_locked", _("Doors and windows locked")


class ToolKind(models.TextChoices):
    TOOL = "tool", _("Tool")
    EQUIPMENT = "equipment", _("Equipment")
    DOCUMENT = "document", _("Technical document")


class PaymentMethod(models.TextChoices):
    CASH = "cash", pgettext_lazy("payment method", "Cash")
    CARD = "card", _("Bank card")
    ALIPAY = "alipay", _("Alipay")
    WECHAT = "wechat", _("WeChat Pay")


class Fee(models.TextChoices):
    """The fees on a settlement besides labour and parts (domain §8)."""

    MANAGEMENT = "management_fee", _("Management fee")
    MATERIALS = "materials_fee", _("Materials fee")
    CONTRACTING = "contracting_fee", _("Contracting fee")
    RESCUE = "rescue_fee", _("Rescue fee")
    OTHER = "other_fee", _("Other fee")
