"""Input and output schemas of customers and vehicles, and how a row becomes an output.

Outputs list their fields explicitly so that internal columns (pinyin, search keys, audit
fields) never leak; phone and ID numbers are masked unless the caller may and asks to see them.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from django.db import models
from ninja import Field, Schema
from pydantic import ValidationError, ValidatorFunctionWrapHandler, field_validator

from dcrc.customers import choices, normalize
from dcrc.customers.models import Customer

from .pagination import PageParams
from .schemas import (
    Choice,
    Date,
    DealerOut,
    Id,
    PageOut,
    PartialSchema,
    StrictBool,
    StrictInt,
    Text,
)

MAX_KM = 5_000_000  # as services.MAX_ODOMETER_KM: no road vehicle reaches it
Km = Annotated[StrictInt, Field(ge=0, le=MAX_KM)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
# Raw numbers may carry spaces, dashes, "+86" and full-width digits; the services clean them.
RawNumber = Text(40)
Remarks = Text(2000)
PHONE_FIELDS = ("mobile", "home_phone", "office_phone")


@dataclass(frozen=True)
class Reveal:
    """Which personal numbers a response shows unmasked."""

    phones: bool = False
    id_number: bool = False

    @property
    def fields(self) -> list[str]:
        return [*(PHONE_FIELDS if self.phones else ()), *(["id_number"] if self.id_number else ())]


# --- parameters ----------------------------------------------------------------------------


class ListParams(PageParams):
    q: Text(100) | None = Field(
        None,
        description="Search: name, pinyin or initials, phone (or its last 4+ digits), "
        "plate, VIN (or its last 6+ characters). Results are ranked, best first.",
    )
    dealer: Text(20) | None = Field(
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
    q: Text(100, min_length=1) = Field(
        ..., description="What was typed in the search box (see GET /customers)."
    )


# --- customers in --------------------------------------------------------------------------


class CustomerFields(PartialSchema):
    """Every writable field of a customer; a field left out keeps its value (or default)."""

    owner_code: Text(30, min_length=1) = Field(
        None, description="Owner code (车主代号); given by the dealer's sequence when left out."
    )
    kind: Choice(choices.CustomerKind) = Field(None, description="Default: individual.")
    name: Text(100, min_length=1) = None
    gender: Choice(choices.Gender, blank=True) | None = Field(
        None, description="Read from the ID number when left out."
    )
    mobile: RawNumber | None = Field(None, description="A mainland mobile number.")
    home_phone: RawNumber | None = None
    office_phone: RawNumber | None = None
    id_number: RawNumber | None = Field(
        None,
        description="Resident ID number of a person, unified social credit code of an organisation.",
    )
    birthday: Date | None = None
    birthday_calendar: Choice(choices.BirthdayCalendar) = Field(None, description="Default: solar.")
    lunar_birthday_month: StrictInt | None = Field(None, ge=1, le=12)
    lunar_birthday_day: StrictInt | None = Field(None, ge=1, le=30)
    lunar_birthday_leap: StrictBool = None
    address: Text(200) | None = None
    postcode: Text(6) | None = None
    fax: Text(20) | None = None
    email: Text(254) | None = None
    employer: Text(100) | None = None
    job_title: Text(50) | None = None
    education: Choice(choices.Education, blank=True) | None = None
    hobbies: Text(200) | None = None
    preferred_contact_time: Text(50) | None = None
    contact_preference: Choice(choices.ContactPreference) = Field(
        None, description="Default: phone."
    )
    sms_opt_out: StrictBool = None
    lifecycle: Choice(choices.Lifecycle) = Field(None, description="Default: customer.")
    membership_no: Text(30) | None = None
    membership_expires: Date | None = None
    relationship: Text(50) | None = None
    identity_background: Text(50) | None = None
    remarks: Remarks | None = None


class CustomerCreateIn(CustomerFields):
    dealer: Annotated[Id, Field(strict=True)] | Text(20, min_length=1) | None = Field(
        None,
        description="The dealer (id or code) the customer belongs to; "
        "may be left out by a user of exactly one dealer.",
    )
    name: Text(100, min_length=1)

    @field_validator("dealer", mode="wrap")
    @classmethod
    def _one_message(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        # A union's errors name each branch's internals; one plain message says it better.
        try:
            return handler(value)
        except ValidationError:
            raise ValueError("Give the dealer's id or code.") from None


class CustomerUpdateIn(CustomerFields):
    pass


# --- vehicles in ---------------------------------------------------------------------------


class VehicleFields(PartialSchema):
    """Every writable field of a vehicle. Mileage moves only through service visits."""

    vin: Text(40, min_length=1) = Field(None, description="17 characters with a valid check digit.")
    plate: Text(20) | None = Field(None, description="e.g. 京A12345, 粤BD12345.")
    archive_no: Text(30) | None = None
    brand: Text(30) | None = None
    series: Text(50) | None = None
    model_code: Text(50) | None = None
    model_year: StrictInt | None = Field(None, ge=1900, le=2100)
    engine_no: Text(30) | None = None
    engine_model: Text(30) | None = None
    gearbox_model: Text(30) | None = None
    gearbox_no: Text(30) | None = None
    key_no: Text(30) | None = None
    transmission: Choice(choices.TransmissionType, blank=True) | None = None
    displacement: Decimal | None = Field(None, ge=0, max_digits=4, decimal_places=1)
    equipment_code: Text(30) | None = None
    body_colour: Text(20) | None = None
    interior: Text(20) | None = None
    production_date: Date | None = None
    fuel_type: Choice(choices.FuelType, blank=True) | None = None
    purchase_date: Date | None = None
    purchase_mileage: Km = None
    usage: Choice(choices.VehicleUsage) = Field(None, description="Default: private.")
    selling_dealer: Text(100) | None = None
    registration_place: Text(50) | None = None
    registration_date: Date | None = None
    purchase_method: Choice(choices.PurchaseMethod, blank=True) | None = None
    purchase_price: Money | None = None
    accessories: Text(300) | None = None
    insurer: Text(50) | None = None
    insurance_start: Date | None = None
    insurance_expiry: Date | None = None
    warranty_end_date: Date | None = None
    warranty_end_km: Km | None = None
    first_service_date: Date | None = None
    sales_consultant: Text(30) | None = None


class VehicleCreateIn(VehicleFields):
    vin: Text(40, min_length=1) = Field(..., description="17 characters with a valid check digit.")


class VehicleUpdateIn(VehicleFields):
    pass


def service_fields(
    payload: Schema, model: type[models.Model], *, exclude: set[str] | None = None
) -> dict[str, Any]:
    """The fields a client sent, as service keyword arguments; null clears a text field."""
    data = payload.model_dump(exclude_unset=True, exclude=exclude)
    for name, value in data.items():
        field = model._meta.get_field(name)
        if value is None and isinstance(field, models.CharField | models.TextField):
            data[name] = ""
    return data


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
    vehicles: list[CustomerVehicleOut]


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
