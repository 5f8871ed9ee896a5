"""Every write to the customer archive, and the rules that guard it.

Views, the API, imports and later the repair orders all come through these functions, so the
validation, tenancy of new rows, search keys and the service-history aggregates cannot drift.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from dcrc.core.models import Dealer, User
from dcrc.core.services import sequence_next

from . import normalize
from .choices import (
    CustomerKind,
    OwnershipReason,
    VisitSource,
    VisitType,
)
from .models import (
    Customer,
    MileageCorrection,
    SearchKey,
    ServiceVisit,
    Vehicle,
    VehicleOwnership,
)

CUSTOMER_TEXT_FIELDS = {
    "name",
    "address",
    "postcode",
    "fax",
    "email",
    "employer",
    "job_title",
    "hobbies",
    "preferred_contact_time",
    "relationship",
    "identity_background",
    "membership_no",
    "remarks",
}
PHONE_FIELDS = ("mobile", "home_phone", "office_phone")
VEHICLE_TEXT_FIELDS = {
    "archive_no",
    "brand",
    "series",
    "model_code",
    "engine_no",
    "engine_model",
    "gearbox_model",
    "gearbox_no",
    "key_no",
    "equipment_code",
    "body_colour",
    "interior",
    "selling_dealer",
    "registration_place",
    "accessories",
    "insurer",
    "sales_consultant",
}
_email_validator = EmailValidator()
VEHICLE_DATE_FIELDS = {
    "production_date",
    "purchase_date",
    "registration_date",
    "insurance_start",
    "insurance_expiry",
    "warranty_end_date",
}
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE_AHEAD = datetime.timedelta(days=3653)
# No road vehicle reaches this; it keeps typos out of the history (and out of integer overflow).
MAX_ODOMETER_KM = 5_000_000


# --- validation shared by forms, API and imports -------------------------------------------


def customer_clean(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Normalise customer fields; raise ValidationError with one message per bad field."""
    cleaned = dict(data)
    errors: dict[str, list[str]] = {}
    for field in CUSTOMER_TEXT_FIELDS & cleaned.keys():
        cleaned[field] = normalize.normalize_text(cleaned[field])
    if (not partial or "name" in cleaned) and not cleaned.get("name"):
        errors["name"] = [_("Enter the customer's name.")]
    for field in PHONE_FIELDS:
        raw = normalize.normalize_text(cleaned.get(field))
        if field not in cleaned:
            continue
        if not raw:
            cleaned[field] = ""
            continue
        try:
            cleaned[field] = normalize.normalize_phone(raw)
        except ValidationError as error:
            errors[field] = error.messages
            continue
        if field == "mobile" and normalize.phone_kind(cleaned[field]) != "mobile":
            errors[field] = [_("This is a landline number; enter it as home or office phone.")]
    kind = cleaned.get("kind") or CustomerKind.INDIVIDUAL
    raw_id = normalize.normalize_text(cleaned.get("id_number"))
    if "id_number" in cleaned:
        cleaned["id_number"] = ""
        if raw_id:
            try:
                cleaned["id_number"] = normalize.normalize_identity_number(
                    raw_id, is_company=kind != CustomerKind.INDIVIDUAL
                )
            except ValidationError as error:
                errors["id_number"] = error.messages
    if cleaned.get("id_number") and kind == CustomerKind.INDIVIDUAL:
        # An ID number carries birthday and gender; fill them when not given.
        if not cleaned.get("birthday"):
            cleaned["birthday"] = normalize.id_number_birthday(cleaned["id_number"])
        if not cleaned.get("gender"):
            cleaned["gender"] = normalize.id_number_gender(cleaned["id_number"])
    if cleaned.get("email"):
        try:
            _email_validator(cleaned["email"])
        except ValidationError:
            errors["email"] = [_("Enter a valid e-mail address.")]
    postcode = cleaned.get("postcode")
    if postcode and not (len(postcode) == 6 and postcode.isdigit()):
        errors["postcode"] = [_("A postcode has 6 digits.")]
    month, day = cleaned.get("lunar_birthday_month"), cleaned.get("lunar_birthday_day")
    # Compared only when both arrived: a form may already have refused one of them.
    both = {"lunar_birthday_month", "lunar_birthday_day"} <= cleaned.keys()
    if both and (month is None) != (day is None):
        errors["lunar_birthday_day"] = [_("Give both the lunar month and day, or neither.")]
    elif both and month is not None and not (1 <= month <= 12 and 1 <= day <= 30):
        errors["lunar_birthday_day"] = [_("A lunar date has a month 1–12 and a day 1–30.")]
    birthday = cleaned.get("birthday")
    if birthday and birthday > timezone.localdate():
        errors["birthday"] = [_("The birthday cannot be in the future.")]
    elif birthday and birthday < EARLIEST_DATE:
        errors["birthday"] = [_("Enter a date after 1900.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def vehicle_clean(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Normalise vehicle fields; raise ValidationError with one message per bad field."""
    cleaned = dict(data)
    errors: dict[str, list[str]] = {}
    for field in VEHICLE_TEXT_FIELDS & cleaned.keys():
        cleaned[field] = normalize.normalize_text(cleaned[field])
    if not partial or "vin" in cleaned:
        raw = normalize.normalize_text(cleaned.get("vin"))
        if not raw:
            errors["vin"] = [_("Enter the VIN.")]
        else:
            try:
                cleaned["vin"] = normalize.normalize_vin(raw)
            except ValidationError as error:
                errors["vin"] = error.messages
    if cleaned.get("plate"):
        try:
            cleaned["plate"] = normalize.normalize_plate(cleaned["plate"])
        except ValidationError as error:
            errors["plate"] = error.messages
    elif "plate" in cleaned:
        cleaned["plate"] = ""
    purchase_mileage = cleaned.get("purchase_mileage")
    if purchase_mileage is not None and not 0 <= purchase_mileage <= MAX_ODOMETER_KM:
        errors["purchase_mileage"] = [_("Enter the odometer reading in km.")]
    year = cleaned.get("model_year")
    if year is not None and not (1980 <= year <= timezone.localdate().year + 1):
        errors["model_year"] = [_("Enter a model year between 1980 and next year.")]
    for field in VEHICLE_DATE_FIELDS & cleaned.keys():
        value = cleaned[field]
        if value and not EARLIEST_DATE <= value <= timezone.localdate() + LATEST_DATE_AHEAD:
            errors[field] = [_("Enter a real date (after 1900, at most 10 years ahead).")]
    price = cleaned.get("purchase_price")
    if price is not None and price < 0:
        errors["purchase_price"] = [_("The price cannot be negative.")]
    purchase, production = cleaned.get("purchase_date"), cleaned.get("production_date")
    if purchase and production and purchase < production:
        errors["purchase_date"] = [_("The purchase date is before the production date.")]
    if purchase and purchase > timezone.localdate():
        errors["purchase_date"] = [_("The purchase date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- search keys ---------------------------------------------------------------------------


def customer_search_keys(customer: Customer, vehicles: Iterable[tuple[str, str]] = ()) -> set[str]:
    """Every key under which `customer` is found; `vehicles` are (vin, plate) pairs."""
    keys = set()
    for digits in (customer.mobile, customer.home_phone, customer.office_phone):
        if digits:
            keys.add(SearchKey.PHONE + digits[::-1])
    name = customer.name.lower().replace(" ", "")
    if name:
        keys.add(SearchKey.NAME + name)
        if customer.kind != CustomerKind.INDIVIDUAL:
            # Company names are searched by any part ("华为" finds 深圳华为技术有限公司).
            keys.update(SearchKey.NAME + name[i:] for i in range(1, len(name) - 1))
        full, initials = normalize.name_pinyin(
            customer.name, person=customer.kind == CustomerKind.INDIVIDUAL
        )
        if full:
            keys.add(SearchKey.PINYIN + full)
        if initials:
            keys.add(SearchKey.INITIALS + initials)
    for vin, plate in vehicles:
        keys.add(SearchKey.VIN + vin[::-1])
        if plate:
            keys.add(SearchKey.PLATE + normalize.plate_key(plate))
    return {key[:120] for key in keys}


def search_keys_rebuild(customers: Iterable[Customer]) -> None:
    """Replace the search keys of these customers from their current data and vehicles."""
    customers = list(customers)
    if not customers:
        return
    ids = [customer.pk for customer in customers]
    vehicles: dict[int, list[tuple[str, str]]] = {pk: [] for pk in ids}
    for owner_id, vin, plate in Vehicle.objects.filter(owner_id__in=ids).values_list(
        "owner_id", "vin", "plate"
    ):
        vehicles[owner_id].append((vin, plate))
    SearchKey.objects.filter(customer_id__in=ids).delete()
    rows = []
    for customer in customers:
        if customer.merged_into_id:
            continue
        rows.extend(
            SearchKey(dealer_id=customer.dealer_id, key=key, customer_id=customer.pk)
            for key in customer_search_keys(customer, vehicles[customer.pk])
        )
    SearchKey.objects.bulk_create(rows, batch_size=1000)


# --- customers -----------------------------------------------------------------------------


def _set_pinyin(customer: Customer) -> None:
    full, _initials = normalize.name_pinyin(
        customer.name, person=customer.kind == CustomerKind.INDIVIDUAL
    )
    customer.name_pinyin = full[: Customer._meta.get_field("name_pinyin").max_length]


def owner_codes_next(*, dealer: Dealer, count: int) -> list[str]:
    return [f"C{number:07d}" for number in sequence_next(dealer=dealer, name="owner", count=count)]


@transaction.atomic
def customer_create(*, dealer: Dealer, by: User | None = None, **fields: Any) -> Customer:
    cleaned = customer_clean(fields)
    if not cleaned.get("owner_code"):
        cleaned["owner_code"] = owner_codes_next(dealer=dealer, count=1)[0]
    elif Customer.objects.filter(dealer=dealer, owner_code=cleaned["owner_code"]).exists():
        raise ValidationError({"owner_code": [_("This owner code is already in use.")]})
    customer = Customer(dealer=dealer, created_by=by, **cleaned)
    _set_pinyin(customer)
    customer.save()
    search_keys_rebuild([customer])
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, by: User | None = None, **fields: Any) -> Customer:
    fields.setdefault("kind", customer.kind)
    cleaned = customer_clean(fields, partial=True)
    owner_code = cleaned.get("owner_code")
    if owner_code and owner_code != customer.owner_code:
        taken = Customer.objects.filter(dealer_id=customer.dealer_id, owner_code=owner_code)
        if taken.exclude(pk=customer.pk).exists():
            raise ValidationError({"owner_code": [_("This owner code is already in use.")]})
    for field, value in cleaned.items():
        setattr(customer, field, value)
    _set_pinyin(customer)
    customer.save()
    search_keys_rebuild([customer])
    return customer


@transaction.atomic
def customer_merge(*, target: Customer, duplicate: Customer, by: User) -> Customer:
    """Fold `duplicate` (the same person entered twice) into `target`.

    Vehicles, ownership periods and visits move; empty fields of the target are filled from the
    duplicate; the duplicate stays as a tombstone pointing at the target so old links resolve.
    """
    if target.pk == duplicate.pk:
        raise ValidationError(_("A customer cannot be merged with itself."))
    if target.dealer_id != duplicate.dealer_id:
        raise ValidationError(_("Only customers of the same dealer can be merged."))
    if target.merged_into_id or duplicate.merged_into_id:
        raise ValidationError(_("This customer has already been merged."))
    fillable = (
        CUSTOMER_TEXT_FIELDS
        | set(PHONE_FIELDS)
        | {
            "id_number",
            "birthday",
            "gender",
            "education",
            "membership_level",
            "membership_expires",
        }
    )
    for field in fillable:
        if not getattr(target, field) and getattr(duplicate, field):
            setattr(target, field, getattr(duplicate, field))
    if duplicate.remarks and duplicate.remarks not in target.remarks:
        target.remarks = "\n".join(filter(None, [target.remarks, duplicate.remarks]))
    Vehicle.objects.filter(owner=duplicate).update(owner=target)
    VehicleOwnership.objects.filter(customer=duplicate).update(customer=target)
    ServiceVisit.objects.filter(customer=duplicate).update(customer=target)
    duplicate.merged_into = target
    duplicate.remarks = "\n".join(
        filter(None, [duplicate.remarks, _("Merged into %(code)s") % {"code": target.owner_code}])
    )
    duplicate.save()
    customer_visits_refresh(customer=target, save=False)
    target.save()
    search_keys_rebuild([target, duplicate])
    return target


# --- vehicles and ownership ----------------------------------------------------------------


def _plate_check_free(*, dealer_id: int, plate: str, exclude: int | None = None) -> None:
    """A plate is on one vehicle at a time; a car that changed hands is transferred instead."""
    if not plate:
        return
    holder = (
        Vehicle.objects.filter(dealer_id=dealer_id, plate=plate)
        .exclude(pk=exclude)
        .select_related("owner")
        .first()
    )
    if holder:
        raise ValidationError(
            {
                "plate": [
                    _(
                        "This plate is already on %(vin)s of %(owner)s. If the car changed "
                        "hands, transfer it instead."
                    )
                    % {"vin": holder.vin, "owner": holder.owner.name}
                ]
            }
        )


@transaction.atomic
def vehicle_create(
    *,
    owner: Customer,
    by: User | None = None,
    reason: str = OwnershipReason.PURCHASE,
    **fields: Any,
) -> Vehicle:
    cleaned = vehicle_clean(fields)
    if Vehicle.objects.filter(dealer_id=owner.dealer_id, vin=cleaned["vin"]).exists():
        raise ValidationError({"vin": [_("A vehicle with this VIN is already in the archive.")]})
    _plate_check_free(dealer_id=owner.dealer_id, plate=cleaned.get("plate", ""))
    vehicle = Vehicle(dealer_id=owner.dealer_id, owner=owner, **cleaned)
    vehicle.mileage = max(vehicle.mileage, vehicle.purchase_mileage)
    vehicle.save()
    VehicleOwnership.objects.create(
        dealer_id=owner.dealer_id,
        vehicle=vehicle,
        customer=owner,
        start_date=vehicle.purchase_date or timezone.localdate(),
        reason=reason,
        recorded_by=by,
    )
    search_keys_rebuild([owner])
    return vehicle


@transaction.atomic
def vehicle_update(*, vehicle: Vehicle, by: User | None = None, **fields: Any) -> Vehicle:
    cleaned = vehicle_clean(fields, partial=True)
    fields_that_move_mileage = {"mileage", "mileage_date"} & cleaned.keys()
    if fields_that_move_mileage:
        raise ValidationError(
            {"mileage": [_("Mileage changes through a service visit or a correction.")]}
        )
    vin = cleaned.get("vin")
    if vin and vin != vehicle.vin:
        taken = Vehicle.objects.filter(dealer_id=vehicle.dealer_id, vin=vin)
        if taken.exclude(pk=vehicle.pk).exists():
            raise ValidationError(
                {"vin": [_("A vehicle with this VIN is already in the archive.")]}
            )
    if cleaned.get("plate") and cleaned["plate"] != vehicle.plate:
        _plate_check_free(dealer_id=vehicle.dealer_id, plate=cleaned["plate"], exclude=vehicle.pk)
    for field, value in cleaned.items():
        setattr(vehicle, field, value)
    vehicle.save()
    search_keys_rebuild([vehicle.owner])
    return vehicle


@transaction.atomic
def vehicle_transfer(
    *,
    vehicle: Vehicle,
    new_owner: Customer,
    date: datetime.date,
    by: User | None = None,
    note: str = "",
    reason: str = OwnershipReason.TRANSFER,
) -> VehicleOwnership:
    """Hand a vehicle to a new owner; the old ownership is closed, never rewritten."""
    if new_owner.dealer_id != vehicle.dealer_id:
        raise ValidationError(_("The new owner belongs to another dealer."))
    if new_owner.merged_into_id:
        raise ValidationError(_("This customer has been merged; choose the merged customer."))
    if new_owner.pk == vehicle.owner_id:
        raise ValidationError({"new_owner": [_("The vehicle already belongs to this customer.")]})
    current = VehicleOwnership.objects.filter(vehicle=vehicle, end_date__isnull=True).first()
    if current and date < current.start_date:
        raise ValidationError(
            {"date": [_("The transfer date is before the current owner's start date.")]}
        )
    if date > timezone.localdate():
        raise ValidationError({"date": [_("The transfer date cannot be in the future.")]})
    previous_owner = vehicle.owner
    if current:
        current.end_date = date
        current.save(update_fields=["end_date"])
    ownership = VehicleOwnership.objects.create(
        dealer_id=vehicle.dealer_id,
        vehicle=vehicle,
        customer=new_owner,
        start_date=date,
        reason=reason,
        note=normalize.normalize_text(note),
        recorded_by=by,
    )
    vehicle.owner = new_owner
    vehicle.save(update_fields=["owner", "updated_at"])
    search_keys_rebuild([previous_owner, new_owner])
    return ownership


# --- service history and mileage -----------------------------------------------------------


def odometer_bounds(
    *,
    readings: Iterable[tuple[datetime.date, int]],
    corrections: Iterable[tuple[datetime.date, int]],
    date: datetime.date,
    purchase_mileage: int,
) -> tuple[int, int | None]:
    """The lowest and highest reading a vehicle may show on `date` (high None: no limit).

    `readings` and `corrections` are (date, km). A correction starts a new baseline: readings
    before it no longer bound later ones, and it bounds nothing before its own date.
    """
    readings, corrections = list(readings), sorted(corrections)
    before = [c for c in corrections if c[0] <= date]
    after = [c for c in corrections if c[0] > date]
    if before:
        start, low = before[-1]
        low = max([low] + [km for day, km in readings if start < day <= date])
    else:
        low = max([purchase_mileage] + [km for day, km in readings if day <= date])
    end = after[0][0] if after else None
    later = [km for day, km in readings if day > date and (end is None or day < end)]
    return low, min(later) if later else None


def _mileage_bounds(
    vehicle: Vehicle, visit_date: datetime.date, exclude_pk: int | None = None
) -> tuple[int, int | None]:
    visits = ServiceVisit.objects.filter(vehicle=vehicle)
    if exclude_pk:
        visits = visits.exclude(pk=exclude_pk)
    return odometer_bounds(
        readings=visits.values_list("visit_date", "mileage"),
        corrections=vehicle.corrections.values_list("effective_date", "new_mileage"),
        date=visit_date,
        purchase_mileage=vehicle.purchase_mileage,
    )


@transaction.atomic
def service_visit_record(
    *,
    vehicle: Vehicle,
    visit_date: datetime.date,
    mileage: int,
    visit_type: str,
    amount: Decimal = Decimal("0"),
    repair_order_no: str = "",
    advisor_name: str = "",
    advisor: User | None = None,
    description: str = "",
    source: str = VisitSource.MANUAL,
    released_at: datetime.datetime | None = None,
    by: User | None = None,
    correction_reason: str = "",
) -> tuple[ServiceVisit, bool]:
    """Record a visit in the history; the one entry point for imports and repair orders.

    Re-recording the same repair-order number updates that visit instead of adding one.
    The odometer never goes backwards unless `correction_reason` says why.
    Returns (visit, created).
    """
    errors: dict[str, list[str]] = {}
    if visit_type not in VisitType.values:
        errors["visit_type"] = [_("Choose a visit type.")]
    if mileage is None or not 0 <= mileage <= MAX_ODOMETER_KM:
        errors["mileage"] = [_("Enter the odometer reading in km.")]
    if amount is None or amount < 0:
        errors["amount"] = [_("The amount cannot be negative.")]
    if visit_date > timezone.localdate():
        errors["visit_date"] = [_("The visit date cannot be in the future.")]
    elif visit_date < EARLIEST_DATE:
        errors["visit_date"] = [_("Enter a date after 1900.")]
    if errors:
        raise ValidationError(errors)
    repair_order_no = normalize.normalize_text(repair_order_no)
    existing = None
    if repair_order_no:
        existing = ServiceVisit.objects.filter(
            dealer_id=vehicle.dealer_id, repair_order_no=repair_order_no
        ).first()
        if existing and existing.vehicle_id != vehicle.pk:
            raise ValidationError(
                {"repair_order_no": [_("This repair order belongs to another vehicle.")]}
            )
    low, high = _mileage_bounds(vehicle, visit_date, exclude_pk=existing and existing.pk)
    correction_reason = normalize.normalize_text(correction_reason)
    out_of_bounds = mileage < low or (high is not None and mileage > high)
    if out_of_bounds and not correction_reason:
        raise ValidationError(
            {
                "mileage": [
                    _(
                        "The odometer reading %(mileage)s km does not fit the vehicle's history "
                        "(%(low)s km before this date%(high)s). Give a correction reason to "
                        "record it anyway."
                    )
                    % {
                        "mileage": mileage,
                        "low": low,
                        "high": "" if high is None else _(", %(km)s km after it") % {"km": high},
                    }
                ]
            }
        )
    if out_of_bounds:
        _correction_record(
            vehicle=vehicle, date=visit_date, new_mileage=mileage, reason=correction_reason, by=by
        )
    values = {
        "customer_id": vehicle.owner_id,
        "visit_date": visit_date,
        "mileage": mileage,
        "visit_type": visit_type,
        "amount": amount,
        "advisor_name": normalize.normalize_text(advisor_name),
        "advisor": advisor,
        "description": normalize.normalize_text(description)[:300],
        "source": source,
        "released_at": released_at,
    }
    if existing:
        for field, value in values.items():
            setattr(existing, field, value)
        existing.save()
        visit, created = existing, False
    else:
        visit = ServiceVisit.objects.create(
            dealer_id=vehicle.dealer_id,
            vehicle=vehicle,
            repair_order_no=repair_order_no,
            **values,
        )
        created = True
    vehicle_mileage_refresh(vehicle=vehicle)
    customer_visits_refresh(customer=vehicle.owner)
    return visit, created


def vehicle_mileage_refresh(*, vehicle: Vehicle) -> None:
    """Set the vehicle's current reading, and its first-service date once it has had one."""
    latest = vehicle.visits.order_by("-visit_date", "-mileage").first()
    first = (
        vehicle.visits.filter(visit_type=VisitType.FIRST_MAINTENANCE)
        .order_by("visit_date")
        .values_list("visit_date", flat=True)
        .first()
    )
    correction = vehicle.corrections.order_by("-effective_date", "-id").first()
    if correction and (
        not latest
        or (correction.effective_date, correction.corrected_at)
        > (latest.visit_date, latest.created_at)
    ):
        vehicle.mileage, vehicle.mileage_date = correction.new_mileage, correction.effective_date
    elif latest:
        vehicle.mileage, vehicle.mileage_date = latest.mileage, latest.visit_date
    else:
        vehicle.mileage, vehicle.mileage_date = vehicle.purchase_mileage, vehicle.purchase_date
    vehicle.first_service_date = first or vehicle.first_service_date
    vehicle.save(update_fields=["mileage", "mileage_date", "first_service_date", "updated_at"])


def _correction_record(
    *, vehicle: Vehicle, date: datetime.date, new_mileage: int, reason: str, by: User | None
) -> None:
    MileageCorrection.objects.create(
        dealer_id=vehicle.dealer_id,
        vehicle=vehicle,
        effective_date=date,
        old_mileage=vehicle.mileage,
        new_mileage=new_mileage,
        reason=reason[:200],
        corrected_by=by,
    )


@transaction.atomic
def mileage_correct(*, vehicle: Vehicle, new_mileage: int, reason: str, by: User) -> Vehicle:
    """Correct a wrong odometer reading explicitly; the only way a reading may go down."""
    reason = normalize.normalize_text(reason)
    if not reason:
        raise ValidationError({"reason": [_("Say why the reading is corrected.")]})
    if new_mileage is None or not 0 <= new_mileage <= MAX_ODOMETER_KM:
        raise ValidationError({"new_mileage": [_("Enter the odometer reading in km.")]})
    today = timezone.localdate()
    _correction_record(vehicle=vehicle, date=today, new_mileage=new_mileage, reason=reason, by=by)
    vehicle_mileage_refresh(vehicle=vehicle)
    return vehicle


def customer_visits_refresh(*, customer: Customer, save: bool = True) -> None:
    """Recompute the customer's visit aggregates (last visit, visits, paid visits, spend)."""
    aggregates = ServiceVisit.objects.filter(customer=customer).aggregate(
        last=Max("visit_date"),
        visits=Count("id"),
        paid=Count("id", filter=~Q(visit_type__in=VisitType.unpaid())),
        spend=Sum("amount"),
    )
    customer.last_visit_date = aggregates["last"]
    customer.visit_count = aggregates["visits"]
    customer.paid_visit_count = aggregates["paid"]
    customer.total_spend = aggregates["spend"] or Decimal("0")
    if save:
        Customer.objects.filter(pk=customer.pk).update(
            last_visit_date=customer.last_visit_date,
            visit_count=customer.visit_count,
            paid_visit_count=customer.paid_visit_count,
            total_spend=customer.total_spend,
            updated_at=F("updated_at"),
        )
