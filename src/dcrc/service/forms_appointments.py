"""Forms of the appointment pages: input only; the rules are in service.appointments."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dcrc.core.forms import date_in_range
from dcrc.customers.choices import VisitType
from dcrc.customers.models import Vehicle

from .choices import AppointmentState, ReminderMethod
from .models import Station

SLOT_FORMAT = "%Y-%m-%dT%H:%M"
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
SHORT_TEXTAREA = forms.Textarea(attrs={"rows": 2})


class SlotField(forms.DateTimeField):
    """A slot picked on the slot picker ("2026-12-04T09:30"), read in local time."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", [SLOT_FORMAT, "%Y-%m-%d %H:%M"])
        kwargs.setdefault("error_messages", {"required": _("Pick a free slot.")})
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        date_in_range(value)
        return value


def _advisor_choices(advisors) -> list[tuple[str, str]]:
    return [("", "—"), *[(str(user.pk), str(user)) for user in advisors]]


class AppointmentFieldsForm(forms.Form):
    """What a booking says besides the car: time, station, work, reminder, contact."""

    scheduled_at = SlotField(label=_("Appointment time"))
    station = forms.ModelChoiceField(
        label=_("Station"), queryset=Station.objects.none(), required=False, empty_label="—"
    )
    advisor = forms.TypedChoiceField(
        label=_("Service advisor"), coerce=int, empty_value=None, required=False
    )
    requested_work = forms.CharField(label=_("Requested work"), max_length=300)
    visit_type = forms.ChoiceField(
        label=_("Visit type"), choices=[("", "—"), *VisitType.choices], required=False
    )
    reminder_method = forms.ChoiceField(
        label=_("Reminder method"),
        choices=ReminderMethod.choices,
        initial=ReminderMethod.PHONE,
        widget=forms.RadioSelect,
    )
    estimate_amount = forms.DecimalField(
        label=_("Estimate (CNY)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        max_value=Decimal("9999999999"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    expected_parts = forms.CharField(label=_("Expected parts"), max_length=300, required=False)
    contact_name = forms.CharField(label=_("Contact"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    remarks = forms.CharField(
        label=_("Remarks"), max_length=300, required=False, widget=SHORT_TEXTAREA
    )

    def __init__(self, *args, dealer_id: int, advisors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.advisors = {user.pk: user for user in advisors}
        self.fields["station"].queryset = Station.objects.filter(dealer_id=dealer_id, active=True)
        self.fields["advisor"].choices = _advisor_choices(advisors)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "scheduled_at": data["scheduled_at"],
            "station": data.get("station"),
            "advisor": self.advisors.get(data.get("advisor")),
            "requested_work": data["requested_work"],
            "visit_type": data.get("visit_type") or "",
            "reminder_method": data["reminder_method"],
            "estimate_amount": data.get("estimate_amount") or Decimal("0"),
            "expected_parts": data.get("expected_parts") or "",
            "contact_name": data.get("contact_name") or "",
            "contact_phone": data.get("contact_phone") or "",
            "remarks": data.get("remarks") or "",
        }


class BookForm(AppointmentFieldsForm):
    """A new booking: the car found by phone, plate or VIN, then a free slot."""

    lookup = forms.CharField(
        label=_("Phone, plate or VIN"),
        max_length=50,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "placeholder": _("Phone, plate or VIN"),
            }
        ),
    )
    vehicle = forms.ModelChoiceField(
        label=_("Vehicle"),
        queryset=Vehicle.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"required": _("Find the customer and tick the car.")},
    )
    task = forms.IntegerField(required=False, widget=forms.HiddenInput)
    field_order = ["lookup", "vehicle", "scheduled_at"]

    def __init__(self, *args, dealer_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].queryset = Vehicle.objects.filter(dealer_id__in=dealer_ids)
        self.fields["vehicle"].error_messages["invalid_choice"] = _(
            "Find the customer and tick the car."
        )


class ChangeForm(AppointmentFieldsForm):
    pass


class CancelForm(forms.Form):
    cancel_reason = forms.CharField(
        label=_("Cancellation reason"),
        max_length=200,
        error_messages={"required": _("Say why the appointment is cancelled.")},
    )


class DayBookFilterForm(forms.Form):
    day = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("Any state")), *AppointmentState.choices], required=False
    )
    advisor = forms.TypedChoiceField(
        label=_("Service advisor"), coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args, advisors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advisor"].choices = [
            ("", _("All advisors")),
            *[(str(user.pk), str(user)) for user in advisors],
        ]

    def clean_day(self):
        day = self.cleaned_data.get("day")
        date_in_range(day)
        return day

    def chosen_day(self) -> datetime.date:
        if self.is_valid() and self.cleaned_data.get("day"):
            return self.cleaned_data["day"]
        return timezone.localdate()


class SettingsForm(forms.Form):
    opens_at = forms.TimeField(label=_("First appointment at"), widget=TIME_INPUT)
    closes_at = forms.TimeField(label=_("Last appointment before"), widget=TIME_INPUT)
    slot_minutes = forms.IntegerField(label=_("Slot length (minutes)"), min_value=10, max_value=240)
    slot_capacity = forms.IntegerField(
        label=_("Appointments per slot"),
        min_value=1,
        max_value=100,
        help_text=_("How many vehicles reception can take in one slot, all stations together."),
    )

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The last appointment must be after the first."))
        return data
