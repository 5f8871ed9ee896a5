from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskKind(models.TextChoices):
    """Every outbound duty of the DCRC (domain §4), plus the follow-up of a reported problem."""

    NEW_CAR_CALL = "new_car_call", _("New-car 7-day call")
    SERVICE_CALLBACK = "service_callback", _("Post-service callback")
    FIRST_MAINTENANCE = "first_maintenance", _("First maintenance reminder")
    MAINTENANCE = "maintenance", _("Periodic maintenance reminder")
    INSPECTION = "inspection", _("Annual inspection reminder")
    WARRANTY_EXPIRY = "warranty_expiry", _("Warranty expiry reminder")
    INSURANCE_RENEWAL = "insurance_renewal", _("Insurance renewal reminder")
    RECALL = "recall", _("Recall / special check")
    APPOINTMENT_REMINDER = "appointment_reminder", _("Appointment reminder")
    BIRTHDAY = "birthday", _("Birthday greeting")
    HOLIDAY = "holiday", _("Holiday greeting")
    RETENTION = "retention", _("Retention call")
    EVENT_INVITATION = "event_invitation", _("Event invitation")
    FOLLOW_UP = "follow_up", _("Problem follow-up")
    COMPLAINT_FOLLOW_UP = "complaint_follow_up", _("Complaint follow-up call")


class TaskState(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = (TaskState.OPEN, TaskState.IN_PROGRESS)


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")


class CallOutcome(models.TextChoices):
    """The result of one dial (domain §4 failure reasons)."""

    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    REFUSED = "refused", _("Refused")
    WRONG_NUMBER = "wrong_number", _("Empty or wrong number")
    VOICEMAIL = "voicemail", _("Voicemail left")
    NOT_FOUND = "not_found", _("Customer not found, message not passed on")
    DRIVING = "driving", _("Customer driving — call back later")

    @classmethod
    def unreached(cls) -> set[str]:
        return {cls.NO_ANSWER, cls.VOICEMAIL, cls.NOT_FOUND, cls.DRIVING}


class Satisfaction(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    SATISFIED = "satisfied", _("Satisfied")
    NEUTRAL = "neutral", _("Neutral")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
    VERY_DISSATISFIED = "very_dissatisfied", _("Very dissatisfied")

    @classmethod
    def unhappy(cls) -> set[str]:
        return {cls.NEUTRAL, cls.DISSATISFIED, cls.VERY_DISSATISFIED}


class Problem(models.TextChoices):
    """What a customer complained about during a call; feeds follow-ups and weak points."""

    RECEPTION = "reception", _("Nobody received me / reception")
    WAITING = "waiting", _("Waiting time")
    REPAIR_QUALITY = "repair_quality", _("Repair quality")
    PRODUCT_QUALITY = "product_quality", _("Product quality")
    PRICE = "price", _("Price and charges")
    ATTITUDE = "attitude", _("Service attitude")
    PARTS = "parts", _("Parts availability")
    CLEANLINESS = "cleanliness", _("Car not clean")
    EXPLANATION = "explanation", _("Work not explained")
    OTHER = "other", _("Other")


class CloseReason(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    ATTEMPTS_EXHAUSTED = "attempts_exhausted", _("Unreached after the maximum attempts")
    SMS_FALLBACK = "sms_fallback", _("Unreached, SMS sent instead")
    WRONG_NUMBER = "wrong_number", _("Empty or wrong number")
    REFUSED = "refused", _("Refused")
    MOOT = "moot", _("No longer needed")
    DO_NOT_CONTACT = "do_not_contact", _("Customer does not want to be contacted")
    MANUAL = "manual", _("Closed by a manager")
    COMPLAINT = "complaint", _("Taken over by a complaint")


class CampaignKind(models.TextChoices):
    RECALL = "recall", _("Recall")
    SPECIAL_CHECK = "special_check", _("Special fault check")
    EVENT = "event", _("Event")


class InboundKind(models.TextChoices):
    CALL = "call", _("Call")
    VOICEMAIL = "voicemail", _("Voicemail")


class InboundType(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    RESCUE = "rescue", _("Rescue")
    COMPLAINT = "complaint", _("Complaint")
    APPOINTMENT = "appointment", _("Appointment")
    SALES = "sales", _("Sales enquiry")
    OTHER = "other", _("Other")


class InboundState(models.TextChoices):
    OPEN = "open", _("Awaiting reply")
    REPLIED = "replied", _("Replied")
    CLOSED = "closed", _("Closed")


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    DEFERRED = "deferred", _("Deferred (quiet hours or rate limit)")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    BLOCKED = "blocked", _("Not sent: customer unsubscribed")
    RECEIVED = "received", _("Received")


class SmsDirection(models.TextChoices):
    OUTBOUND = "out", _("Outbound")
    INBOUND = "in", _("Inbound")
