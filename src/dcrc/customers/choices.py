from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    COMPANY = "company", _("Company")
    FLEET = "fleet", _("Fleet")
    PUBLIC_INSTITUTION = "public", _("Public institution")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class BirthdayCalendar(models.TextChoices):
    SOLAR = "solar", _("Solar")
    LUNAR = "lunar", _("Lunar")


class ContactPreference(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS only")
    NONE = "none", _("Do not contact")


class PreferredCallWindow(models.TextChoices):
    MORNING = "morning", _("Morning (before 12:00)")
    AFTERNOON = "afternoon", _("Afternoon (12:00–17:00)")
    EVENING = "evening", _("Evening (after 17:00)")


class Lifecycle(models.TextChoices):
    PROSPECT = "prospect", _("Prospect (A card)")
    CUSTOMER = "customer", _("Customer (C card)")


class Education(models.TextChoices):
    PRIMARY = "primary", _("Primary school")
    SECONDARY = "secondary", _("Secondary school")
    COLLEGE = "college", _("College")
    BACHELOR = "bachelor", _("Bachelor")
    MASTER = "master", _("Master or above")


class TransmissionType(models.TextChoices):
    MANUAL = "mt", _("Manual")
    AUTOMATIC = "at", _("Automatic")
    CVT = "cvt", _("CVT")
    DCT = "dct", _("Dual-clutch")
    SINGLE_SPEED = "ev", _("Single-speed (EV)")


class FuelType(models.TextChoices):
    PETROL = "petrol", _("Petrol")
    DIESEL = "diesel", _("Diesel")
    HYBRID = "hybrid", _("Hybrid")
    PLUG_IN_HYBRID = "phev", _("Plug-in hybrid")
    ELECTRIC = "ev", _("Battery electric")


class VehicleUsage(models.TextChoices):
    PRIVATE = "private", _("Private")
    COMMERCIAL = "commercial", _("Commercial")


class PurchaseMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    LOAN = "loan", _("Loan")


class OwnershipReason(models.TextChoices):
    PURCHASE = "purchase", _("Purchase")
    TRANSFER = "transfer", _("Transfer of ownership")
    MERGE = "merge", _("Duplicate customers merged")
    IMPORT = "import", _("Imported")


class VisitType(models.TextChoices):
    FIRST_MAINTENANCE = "first_maintenance", _("First maintenance")
    PERIODIC_MAINTENANCE = "periodic_maintenance", _("Periodic maintenance")
    WARRANTY = "warranty", _("Warranty claim")
    MINOR_REPAIR = "minor_repair", _("Minor repair")
    MAJOR_REPAIR = "major_repair", _("Major repair")
    ACCIDENT = "accident", _("Accident / insurance repair")
    BODY_PAINT = "body_paint", _("Self-paid body & paint")
    ACCESSORIES = "accessories", _("Accessories")
    RESCUE = "rescue", _("Roadside rescue")

    @classmethod
    def unpaid(cls) -> set[str]:
        """Visits the customer does not pay for; excluded from paid-visit counts (domain §2)."""
        return {cls.FIRST_MAINTENANCE, cls.WARRANTY, cls.ACCIDENT}


class VisitSource(models.TextChoices):
    IMPORT = "import", _("Imported from the DMS")
    MANUAL = "manual", _("Entered by hand")
    REPAIR_ORDER = "repair_order", _("Repair order")


class Activity(models.TextChoices):
    ACTIVE = "active", _("Active")
    DORMANT = "dormant", _("Dormant")
    LOST = "lost", _("Lost")
    NEW = "new", _("No visit yet")


class SpendBand(models.TextChoices):
    """Yearly spend bands of the DCRC reports (domain §9), CNY."""

    UP_TO_500 = "0-500", "0–500"
    UP_TO_1000 = "501-1000", "501–1000"
    UP_TO_3000 = "1001-3000", "1001–3000"
    ABOVE_3000 = "3000+", "> 3000"


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers and vehicles")
    VISITS = "visits", _("Service history")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    PREVIEWED = "previewed", _("Previewed")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
