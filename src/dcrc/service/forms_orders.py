"""Forms of reception and the repair order: they check the shape of what was typed, the
services check the rules (odometer, insurance, states) and their errors land on the fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dcrc.core.forms import date_in_range
from dcrc.customers.choices import VisitType
from dcrc.customers.services import MAX_ODOMETER_KM

from .choices import BusinessType, FuelLevel, PaymentMethod, StationKind
from .orders import INSURANCE_FIELDS, MAX_SIGNATURE_CHARS

MONEY = {"max_digits": 9, "decimal_places": 2, "min_value": Decimal("0")}
NO_CHOICE = [("", "—")]
# A row id as typed into a hidden field: never beyond the database's integers.
ID_MAX = 2**63 - 1


def _money(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, **MONEY, **kwargs)


class ReceptionForm(forms.Form):
    """Reception (接车): the vehicle picked from the lookup, and what is noted at the car."""

    lookup = forms.CharField(
        label=_("Plate, VIN or phone"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autofocus": True,
                "placeholder": _("Plate, VIN, phone or name"),
            }
        ),
    )
    vehicle = forms.IntegerField(
        label=_("vehicle"),
        min_value=1,
        max_value=ID_MAX,
        error_messages={
            "required": _("Find the customer and pick the vehicle."),
            "invalid": _("Find the customer and pick the vehicle."),
        },
        widget=forms.HiddenInput,
    )
    appointment = forms.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, widget=forms.HiddenInput
    )
    odometer = forms.IntegerField(
        label=_("odometer (km)"),
        min_value=0,
        max_value=MAX_ODOMETER_KM,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    odometer_correction = forms.BooleanField(
        label=_("The reading is lower: correct the recorded mileage"), required=False
    )
    correction_reason = forms.CharField(
        label=_("correction reason"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. instrument cluster replaced")}),
    )
    fuel_level = forms.TypedChoiceField(
        label=_("fuel level"),
        choices=FuelLevel.choices,
        coerce=int,
        initial=FuelLevel.HALF,
        widget=forms.RadioSelect,
    )
    customer_description = forms.CharField(
        label=_("customer's description"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write down what the customer describes.")},
    )
    diagnosis = forms.CharField(
        label=_("diagnosis"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    items_left = forms.CharField(
        label=_("items left in the car"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. child seat, umbrella")}),
    )
    visit_type = forms.ChoiceField(
        label=_("visit type"), choices=VisitType.choices, initial=VisitType.PERIODIC_MAINTENANCE
    )
    business_type = forms.ChoiceField(
        label=_("business type"),
        choices=BusinessType.choices,
        initial=BusinessType.SELF_PAY,
        widget=forms.RadioSelect,
    )
    contact_name = forms.CharField(label=_("contact"), required=False, max_length=50)
    contact_phone = forms.CharField(label=_("contact phone"), required=False, max_length=20)
    payment_method = forms.ChoiceField(
        label=_("intended payment"), required=False, choices=NO_CHOICE + PaymentMethod.choices
    )
    promised_at = forms.DateTimeField(
        label=_("promised for"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        validators=[date_in_range],
    )
    # Insurance work (出险维修): shown only when the business type is insurance.
    insurer = forms.CharField(label=_("insurer"), required=False, max_length=50)
    paying_company = forms.CharField(label=_("paying company"), required=False, max_length=50)
    insurance_report_no = forms.CharField(
        label=_("insurance report no."), required=False, max_length=40
    )
    loss_assessment = _money(_("loss assessment"))
    injury_loss = forms.BooleanField(label=_("injury loss"), required=False)
    property_loss = forms.BooleanField(label=_("property loss"), required=False)
    towing = forms.BooleanField(label=_("towed in"), required=False)
    deductible = _money(_("deductible"))

    def clean_contact_phone(self) -> str:
        phone = self.cleaned_data.get("contact_phone", "").strip()
        digits = phone.replace(" ", "").replace("-", "")
        if digits and not (digits.lstrip("+").isdigit() and 7 <= len(digits) <= 16):
            raise forms.ValidationError(_("Enter a phone number (digits only)."))
        return digits

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("odometer_correction"):
            if not str(data.get("correction_reason") or "").strip():
                self.add_error("correction_reason", _("Say why the reading is corrected."))
        else:
            # Without the box ticked the service refuses a lower reading: no silent correction.
            data["correction_reason"] = ""
        return data

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned data as repair_order_open() takes it (vehicle and appointment apart)."""
        data = self.cleaned_data
        arguments: dict[str, Any] = {
            name: data[name]
            for name in (
                "odometer",
                "customer_description",
                "visit_type",
                "business_type",
                "fuel_level",
                "correction_reason",
                "diagnosis",
                "items_left",
                "contact_name",
                "contact_phone",
                "payment_method",
                "promised_at",
            )
        }
        if data["business_type"] == BusinessType.INSURANCE:
            for name in INSURANCE_FIELDS:
                value = data.get(name)
                if value is None and name in ("loss_assessment", "deductible"):
                    value = Decimal("0")
                arguments[name] = value
        return arguments


class JobLineAddForm(forms.Form):
    """A labour line: from the catalogue (its id) or written in."""

    labour_item = forms.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, widget=forms.HiddenInput
    )
    name = forms.CharField(label=_("item"), required=False, max_length=100)
    work_type = forms.ChoiceField(
        label=_("work type"), required=False, choices=NO_CHOICE + StationKind.choices
    )
    standard_hours = _money(_("standard hours"))
    billed_hours = _money(_("billed hours"))
    rate = _money(_("rate per hour"))
    discount_pct = _money(_("discount %"), max_value=Decimal("100"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("labour_item") and not str(data.get("name") or "").strip():
            self.add_error("name", _("Pick an item from the catalogue or name the work."))
        return data


class JobLineChangeForm(forms.Form):
    billed_hours = _money(_("billed hours"))
    rate = _money(_("rate per hour"))
    discount_pct = _money(_("discount %"), max_value=Decimal("100"))


class PartLineAddForm(forms.Form):
    part = forms.IntegerField(
        min_value=1,
        max_value=ID_MAX,
        widget=forms.HiddenInput,
        error_messages={"required": _("Pick a part from the catalogue.")},
    )
    quantity = forms.DecimalField(
        label=_("quantity"),
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0.01"),
        initial=Decimal("1"),
    )


class PartLineChangeForm(forms.Form):
    quantity = forms.DecimalField(
        label=_("quantity"),
        required=False,
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    unit_price = _money(_("unit price"))
    discount_pct = _money(_("discount %"), max_value=Decimal("100"))


class ConfirmForm(forms.Form):
    """The customer's confirmation: a signature drawn on screen, or a signed printout."""

    signature = forms.CharField(
        required=False, max_length=MAX_SIGNATURE_CHARS, widget=forms.HiddenInput
    )
    signed_on_paper = forms.BooleanField(
        label=_("The customer signed the printed estimate"), required=False
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("cancellation reason"),
        max_length=200,
        error_messages={"required": _("Say why the order is cancelled.")},
    )


class ReceptionEditForm(ReceptionForm):
    """Correct the reception details of an order in the shop (not the car nor the odometer)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("lookup", "vehicle", "appointment", "odometer", "odometer_correction"):
            del self.fields[name]
        del self.fields["correction_reason"]

    def clean(self) -> dict[str, Any]:
        return forms.Form.clean(self)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        arguments = {
            name: data[name]
            for name in (
                "customer_description",
                "visit_type",
                "business_type",
                "fuel_level",
                "diagnosis",
                "items_left",
                "contact_name",
                "contact_phone",
                "payment_method",
                "promised_at",
            )
        }
        insured = data["business_type"] == BusinessType.INSURANCE
        for name in INSURANCE_FIELDS:
            value = data.get(name) if insured else None
            if value is None:
                value = Decimal("0") if name in ("loss_assessment", "deductible") else ""
                if name in ("injury_loss", "property_loss", "towing"):
                    value = False
            arguments[name] = value
        return arguments
