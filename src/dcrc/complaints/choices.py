"""Enumerations of complaints (domain §6) and the improvement loop (domain §7)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """Where a complaint came in."""

    HOTLINE = "hotline", _("Hotline call")
    CALLBACK = "callback", _("Callback")
    ON_SITE = "on_site", _("On site")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")
    API = "api", _("API")


class Category(models.TextChoices):
    PRODUCT_QUALITY = "product_quality", _("Product quality")
    REPAIR_QUALITY = "repair_quality", _("Repair quality")
    SERVICE_ATTITUDE = "service_attitude", _("Service attitude")
    PRICE = "price", _("Price and charges")
    WAITING_TIME = "waiting_time", _("Waiting time")
    PARTS_AVAILABILITY = "parts_availability", _("Parts availability")
    SALES = "sales", _("Sales")
    OTHER = "other", _("Other")


class Department(models.TextChoices):
    """The department a complaint or weak point belongs to."""

    SERVICE = "service", _("Service reception")
    WORKSHOP = "workshop", _("Workshop")
    PARTS = "parts", _("Parts")
    SALES = "sales", _("Sales")
    DCRC = "dcrc", _("DCRC")
    CASHIER = "cashier", _("Cashier")
    MANUFACTURER = "manufacturer", _("Manufacturer (product)")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Minor")
    MEDIUM = "medium", _("Normal")
    HIGH = "high", _("Serious")
    CRITICAL = "critical", _("Critical")


class ImportantFlag(models.TextChoices):
    """What makes a complaint important: reported to the manufacturer at once (domain §6)."""

    SAFETY = "safety", _("Safety-related")
    LARGE_LOSS = "large_loss", _("Large loss")
    MEDIA = "media", _("Media involved")
    LAWYER = "lawyer", _("Lawyer involved")
    POLICE = "police", _("Police involved")
    CONSUMER_ASSOCIATION = "consumer_association", _("Consumer association involved")
    GOVERNMENT = "government", _("Government involved")


class TypicalCase(models.TextChoices):
    """The typical cases of domain §6, each with a scripted approach (scripts.py)."""

    NEW_CAR_MINOR_FAULT = "new_car_minor_fault", _("Minor fault on a new car")
    VAGUE_REPEATED_FAULT = "vague_repeated_fault", _("Repeated fault, described only vaguely")
    WARRANTY_JUST_EXPIRED = (
        "warranty_just_expired",
        _("Warranty just expired, asks for free repair"),
    )
    QUALITY_ASSESSMENT = "quality_assessment", _("Out of warranty, asks for a quality assessment")


class State(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Investigating")
    SOLUTION_PROPOSED = "solution_proposed", _("Solution proposed")
    CUSTOMER_ACCEPTED = "customer_accepted", _("Customer accepted")
    RESOLVED = "resolved", _("Resolved")
    FOLLOWED_UP = "followed_up", _("Follow-up confirmed")
    CLOSED = "closed", _("Closed")


# States in which the complaint is still being worked: the resolution deadline runs.
ACTIVE_STATES = (
    State.REGISTERED,
    State.ACKNOWLEDGED,
    State.INVESTIGATING,
    State.SOLUTION_PROPOSED,
    State.CUSTOMER_ACCEPTED,
)
OPEN_STATES = (*ACTIVE_STATES, State.RESOLVED, State.FOLLOWED_UP)


class Escalation(models.TextChoices):
    NONE = "none", _("Not escalated")
    MANUFACTURER_CRC = "manufacturer_crc", _("Manufacturer CRC")
    REGIONAL = "regional", _("Regional service manager")
    ON_SITE = "on_site", _("Emergency on-site assessment requested")


class Action(models.TextChoices):
    """Every move of a complaint, as recorded in its log."""

    REGISTER = "register", _("Registered")
    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    INVESTIGATE = "investigate", _("Start investigation")
    PROPOSE = "propose", _("Propose a solution")
    ACCEPT = "accept", _("Customer accepts")
    REJECT = "reject", _("Customer rejects")
    RESOLVE = "resolve", _("Resolve")
    CONFIRM_FOLLOW_UP = "confirm_follow_up", _("Confirm the follow-up")
    CLOSE = "close", _("Close")
    REOPEN = "reopen", _("Reopen")
    ESCALATE_CRC = "escalate_crc", _("Escalate to the manufacturer CRC")
    ESCALATE_REGIONAL = "escalate_regional", _("Escalate to the regional service manager")
    REQUEST_ON_SITE = "request_on_site", _("Request an emergency on-site assessment")
    ASSIGN = "assign", _("Change the owner")
    NOTE = "note", _("Note")


class ActionStatus(models.TextChoices):
    """An improvement action's progress; the DCRC verifies it once done."""

    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done, awaiting verification")
    VERIFIED = "verified", _("Verified by the DCRC")
    REJECTED = "rejected", _("Not effective, reopened")


OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.REJECTED)


class SurveyKind(models.TextChoices):
    CSI = "csi", _("CSI (service)")
    SSI = "ssi", _("SSI (sales)")


class MeetingState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    HELD = "held", _("Minutes final")
