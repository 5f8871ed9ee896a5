"""Input and output schemas of customers and vehicles, and how a row becomes an output.

Outputs list their fields explicitly so that internal columns (pinyin, search keys, audit
fields) never leak; phone and ID numbers are masked unless the caller may and asks to see them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema

from dcrc.customers import choices, normalize
from dcrc.customers.models import Customer, Vehicle

from .pagination import PageParams
from .schemas import BIGINT_MAX, Choice, DealerOut, PageOut, PartialSchema, Text

MAX_KM = 2_000_000  # no car reads more; keeps the value inside the integer column
Km = Annotated[int, Field(ge=0, le=MAX_KM)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
# Raw numbers may carry spaces, dashes, "+86" and full-width digits; the services clean them.
RawNumber = Text(40)
Remarks = Text(2000)


@dataclass(frozen=True)
class Reveal:
    """Which personal numbers a response shows unmasked."""

    phones: bool = False
    id_number: bool = False

    @property
    def fields(self) -> list[str]:
        return [*(PHONE_FIELDS if self.phones else ()), *(["id_number"] if self.id_number else ())]


PHONE_FIELDS = ("mobile", "home_phone", "office_phone")


# --- parameters ----------------------------------------------------------------------------


class ListParams(PageParams):
    q: Text(100) | None = Field(  # type: ignore[valid-type]
        None, description="Search: name, pinyin or initials, phone (or its last 4+ digits), "
        "plate, VIN (or its last 6+ characters). Results are ranked, best first."
    )
    dealer: Text(20) | None = Field(  # type: ignore[valid-type]
        None, description="Only this dealer (code or id) of the ones you may see."
    )


class UnmaskParams(Schema):
    unmask: bool = Field(
        False,
        description="Show full phone numbers (needs customers.reveal_phone) and ID numbers "
        "(needs customers.reveal_id_number). Every unmasked read is logged.",
    )


class CustomerListParams(ListParams, UnmaskParams):
    pass


class SearchParams(CustomerListParams):
    q: Text(100, min_length=1) = Field(  # type: ignore[valid-type]
        ..., description="What was typed in the search box (see GET /customers)."
    )


# --- customers in --------------------------------------------------------------------------


class CustomerFields(PartialSchema):
    """Every writable field of a customer; a field left out keeps its value (or default)."""

    owner_code: Text(30, min_length=1) = Field(  # type: ignore[valid-type]
        None, description="Owner code (车主代号); given by the dealer's sequence when left out."
    )
    kind: Choice(choices.CustomerKind) = Field(None, description="Default: individual.")  # type: ignore[valid-type]
    name: Text(100, min_length=1) = None  # type: ignore[valid-type]
    gender: Choice(choices.Gender, blank=True) | None = Field(  # type: ignore[valid-type]
        None, description="Read from the ID number when left out."
    )
    mobile: RawNumber | None = Field(None, description="A mainland mobile number.")  # type: ignore[valid-type]
    home_phone: RawNumber | None = None  # type: ignore[valid-type]
    office_phone: RawNumber | None = None  # type: ignore[valid-type]
    id_number: RawNumber | None = Field(  # type: ignore[valid-type]
        None,
        description="Resident ID number of a person, unified social credit code of an organisation.",
    )
    birthday: datetime.date | None = None
    birthday_calendar: Choice(choices.BirthdayCalendar) = Field(None, description="Default: solar.")  # type: ignore[valid-type]
    lunar_birthday_month: int | None = Field(None, ge=1, le=12)
    lunar_birthday_day: int | None = Field(None, ge=1, le=30)
    lunar_birthday_leap: bool = None  # type: ignore[assignment]
    address: Text(200) | None = None  # type: ignore[valid-type]
    postcode: Text(6) | None = None  # type: ignore[valid-type]
    fax: Text(20) | None = None  # type: ignore[valid-type]
    email: Text(254) | None = None  # type: ignore[valid-type]
    employer: Text(100) | None = None  # type: ignore[valid-type]
    job_title: Text(50) | None = None  # type: ignore[valid-type]
    education: Choice(choices.Education, blank=True) | None = None  # type: ignore[valid-type]
    hobbies: Text(200) | None = None  # type: ignore[valid-type]
    preferred_contact_time: Text(50) | None = None  # type: ignore[valid-type]
    contact_preference: Choice(choices.ContactPreference) = Field(None, description="Default: phone.")  # type: ignore[valid-type]
    sms_opt_out: bool = None  # type: ignore[assignment]
    lifecycle: Choice(choices.Lifecycle) = Field(None, description="Default: customer.")  # type: ignore[valid-type]
    membership_no: Text(30) | None = None  # type: ignore[valid-type]
    membership_expires: datetime.date | None = None
    relationship: Text(50) | None = None  # type: ignore[valid-type]
    identity_background: Text(50) | None = None  # type: ignore[valid-type]
    remarks: Remarks | None = None  # type: ignore[valid-type]


class CustomerCreateIn(CustomerFields):
    dealer: int | Text(20, min_length=1) | None = Field(  # type: ignore[valid-type]
        None,
        description="The dealer (id or code) the customer belongs to; "
        "may be left out by a user of exactly one dealer.",
    )
    name: Text(100, min_length=1)  # type: ignore[valid-type]


class CustomerUpdateIn(CustomerFields):
    pass


# --- vehicles in ---------------------------------------------------------------------------


class VehicleFields(PartialSchema):
    """Every writable field of a vehicle. Mileage moves only through service visits."""

    vin: Text(40, min_length=1) = Field(None, description="17 characters with a valid check digit.")  # type: ignore[valid-type]
    plate: Text(20) | None = Field(None, description="e.g. 京A12345, 粤BD12345.")  # type: ignore[valid-type]
    archive_no: Text(30) | None = None  # type: ignore[valid-type]
    brand: Text(30) | None = None  # type: ignore[valid-type]
    series: Text(50) | None = None  # type: ignore[valid-type]
    model_code: Text(50) | None = None  # type: ignore[valid-type]
    model_year: int | None = Field(None, ge=1900, le=2100)
    engine_no: Text(30) | None = None  # type: ignore[valid-type]
    engine_model: Text(30) | None = None  # type: ignore[valid-type]
    gearbox_model: Text(30) | None = None  # type: ignore[valid-type]
    gearbox_no: Text(30) | None = None  # type: ignore[valid-type]
    key_no: Text(30) | None = None  # type: ignore[valid-type]
    transmission: Choice(choices.TransmissionType, blank=True) | None = None  # type: ignore[valid-type]
    displacement: Decimal | None = Field(None, ge=0, max_digits=4, decimal_places=1)
    equipment_code: Text(30) | None = None  # type: ignore[valid-type]
    body_colour: Text(20) | None = None  # type: ignore[valid-type]
    interior: Text(20) | None = None  # type: ignore[valid-type]
    production_date: datetime.date | None = None
    fuel_type: Choice(choices.FuelType, blank=True) | None = None  # type: ignore[valid-type]
    purchase_date: datetime.date | None = None
    purchase_mileage: Km = None  # type: ignore[assignment]
    usage: Choice(choices.VehicleUsage) = Field(None, description="Default: private.")  # type: ignore[valid-type]
    selling_dealer: Text(100) | None = None  # type: ignore[valid-type]
    registration_place: Text(50) | None = None  # type: ignore[valid-type]
    registration_date: datetime.date | None = None
    purchase_method: Choice(choices.PurchaseMethod, blank=True) | None = None  # type: ignore[valid-type]
    purchase_price: Money | None = None
    accessories: Text(300) | None = None  # type: ignore[valid-type]
    insurer: Text(50) | None = None  # type: ignore[valid-type]
    insurance_start: datetime.date | None = None
    insurance_expiry: datetime.date | None = None
    warranty_end_date: datetime.date | None = None
    warranty_end_km: Km | None = None
    first_service_date: datetime.date | None = None
    sales_consultant: Text(30) | None = None  # type: ignore[valid-type]


class VehicleCreateIn(VehicleFields):
    vin: Text(40, min_length=1) = Field(..., description="17 characters with a valid check digit.")  # type: ignore[valid-type]


class VehicleUpdateIn(VehicleFields):
    pass


def service_fields(payload: Schema, *, exclude: set[str] | None = None) -> dict[str, Any]:
    """The fields a client sent, as service keyword arguments; null clears a text field."""
    data = payload.model_dump(exclude_unset=True, exclude=exclude)
    text_fields = {
        name
        for name, field in type(payload).model_fields.items()
        if _accepts_text(field.annotation)
    }
    return {
        name: "" if value is None and name in text_fields else value
        for name, value in data.items()
    }


def _accepts_text(annotation: Any) -> bool:
    if annotation is str:
        return True
    return any(_accepts_text(arg) for arg in getattr(annotation, "__args__", ()))


# --- outputs -------------------------------------------------------------------------------


class MembershipLevelOut(Schema):
    id: int
    number: int
    name: str


class VehicleBriefOut(Schema):
    id: int
    vin: str
    plate: str


class CustomerBriefOut(Schema):
    id: int
    owner_code: str
    name: str


class CustomerOut(Schema):
    """A customer in a list."""

    id: int
    dealer: DealerOut
    owner_code: str
    kind: str
    name: str
    gender: str
    mobile: str
    home_phone: str
    office_phone: str
    id_number: str
    phones_masked: bool
    id_number_masked: bool
    lifecycle: str
    contact_preference: str
    sms_opt_out: bool
    membership_level: MembershipLevelOut | None
    last_visit_date: datetime.date | None
    visit_count: int
    paid_visit_count: int
    total_spend: Decimal
    vehicles: list[VehicleBriefOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CustomerVehicleOut(Schema):
    """A vehicle as part of its owner's record."""

    id: int
    vin: str
    plate: str
    archive_no: str
    brand: str
    series: str
    model_code: str
    model_year: int | None
    engine_no: str
    engine_model: str
    gearbox_model: str
    gearbox_no: str
    key_no: str
    transmission: str
    displacement: Decimal | None
    equipment_code: str
    body_colour: str
    interior: str
    production_date: datetime.date | None
    fuel_type: str
    purchase_date: datetime.date | None
    purchase_mileage: int
    usage: str
    selling_dealer: str
    registration_place: str
    registration_date: datetime.date | None
    purchase_method: str
    purchase_price: Decimal | None
    accessories: str
    insurer: str
    insurance_start: datetime.date | None
    insurance_expiry: datetime.date | None
    warranty_end_date: datetime.date | None
    warranty_end_km: int | None
    first_service_date: datetime.date | None
    sales_consultant: str
    mileage: int
    mileage_date: datetime.date | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class VehicleOut(CustomerVehicleOut):
    dealer: DealerOut
    owner: CustomerBriefOut


class CustomerDetailOut(CustomerOut):
    """A customer with every field and its vehicles."""

    birthday: datetime.date | None
    birthday_calendar: str
    lunar_birthday_month: int | None
    lunar_birthday_day: int | None
    lunar_birthday_leap: bool
    address: str
    postcode: str
    fax: str
    email: str
    employer: str
    job_title: str
    education: str
    hobbies: str
    preferred_contact_time: str
    membership_no: str
    membership_expires: datetime.date | None
    relationship: str
    identity_background: str
    remarks: str
    merged_into: int | None = Field(description="Set when this record was merged into another.")
    vehicles: list[CustomerVehicleOut]  # type: ignore[assignment]


class CustomerPage(PageOut):
    items: list[CustomerOut]


class VehiclePage(PageOut):
    items: list[VehicleOut]


def customer_out(
    customer: Customer, reveal: Reveal, schema: type[CustomerOut] = CustomerOut
) -> dict[str, Any]:
    """The output of one customer; vehicles, dealer and level must have been loaded with it."""
    data = {
        name: getattr(customer, name)
        for name in schema.model_fields
        if name not in ("vehicles", "merged_into") and hasattr(customer, name)
    }
    for field in PHONE_FIELDS:
        digits = getattr(customer, field)
        data[field] = digits if reveal.phones else normalize.mask_phone(digits)
    if not reveal.id_number:
        data["id_number"] = normalize.mask_id_number(
            customer.id_number, is_company=customer.is_company
        )
    data["phones_masked"] = not reveal.phones
    data["id_number_masked"] = not reveal.id_number
    data["vehicles"] = list(customer.vehicles.all())
    if "merged_into" in schema.model_fields:
        data["merged_into"] = customer.merged_into_id
    return data


def customer_detail_out(customer: Customer, reveal: Reveal) -> dict[str, Any]:
    return customer_out(customer, reveal, CustomerDetailOut)


assert BIGINT_MAX  # re-exported for routers
__all__ = [
    "CustomerCreateIn",
    "CustomerDetailOut",
    "CustomerListParams",
    "CustomerOut",
    "CustomerPage",
    "CustomerUpdateIn",
    "Reveal",
    "SearchParams",
    "UnmaskParams",
    "Vehicle",
    "VehicleCreateIn",
    "VehicleOut",
    "VehiclePage",
    "VehicleUpdateIn",
    "customer_detail_out",
    "customer_out",
    "service_fields",
]
