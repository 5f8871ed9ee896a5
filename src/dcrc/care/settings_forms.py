"""Forms of the contact-center settings: every bad value answers with a message on its field."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dcrc.customers import normalize

from .choices import CampaignKind
from .models import Campaign, CareRule, CareSettings, Holiday, InspectionRule, MaintenanceSchedule

WINDOW_ROWS = 4
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The variables a script may use; the workbench fills them in for the agent.
SCRIPT_VARIABLES = {
    "dealer": _("the dealer's name"),
    "agent": _("the agent's name"),
    "name": _("the customer's name"),
    "plate": _("the plate number"),
    "date": _("the visit, due or event date"),
    "km": _("the mileage due"),
    "first_km": _("first maintenance mileage"),
    "first_months": _("first maintenance months"),
    "campaign": _("the campaign's title"),
    "hours": _("the time a recall takes"),
    "holiday": _("the holiday"),
    "problems": _("the problems the customer reported"),
    "hotline": _("the dealer's hotline"),
}
_VARIABLE_RE = re.compile(r"\{([^{}]*)\}")


def _bounded(field: forms.IntegerField, low: int, high: int) -> forms.IntegerField:
    """An integer field whose out-of-range message names the range."""
    message = _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
    field.min_value, field.max_value = low, high
    field.validators = [
        v
        for v in field.validators
        if type(v).__name__ not in ("MinValueValidator", "MaxValueValidator")
    ]
    field.validators.append(_range_validator(low, high, message))
    field.error_messages["invalid"] = message
    field.widget.attrs.update({"min": low, "max": high})
    return field


def _range_validator(low: int, high: int, message):
    def validate(value):
        if value is not None and not low <= value <= high:
            raise ValidationError(message, code="out_of_range")

    return validate


class CareSettingsForm(forms.ModelForm):
    """The dealer's DCRC settings; the call windows as up to four start/end rows."""

    BOUNDS = {
        "max_attempts": (1, 10),
        "default_daily_km": (1, 1000),
        "reply_deadline_hours": (1, 72),
        "sms_rate_per_minute": (1, 1000),
        "arrival_window_days": (1, 180),
    }

    class Meta:
        model = CareSettings
        fields = [
            "office_hours_start",
            "office_hours_end",
            "max_attempts",
            "sms_fallback",
            "default_daily_km",
            "reply_deadline_hours",
            "sms_quiet_start",
            "sms_quiet_end",
            "sms_rate_per_minute",
            "sms_signature",
            "arrival_window_days",
        ]
        widgets = {
            "office_hours_start": TIME_WIDGET,
            "office_hours_end": TIME_WIDGET,
            "sms_quiet_start": TIME_WIDGET,
            "sms_quiet_end": TIME_WIDGET,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        windows = list(self.instance.call_windows or [])
        for index in range(WINDOW_ROWS):
            start, end = windows[index] if index < len(windows) else ("", "")
            for part, value in (("start", start), ("end", end)):
                self.fields[f"window_{index}_{part}"] = forms.TimeField(
                    label=_("Start time") if part == "start" else _("End time"),
                    required=False,
                    initial=value,
                    widget=TIME_WIDGET,
                    error_messages={"invalid": _("Enter a time such as 09:00.")},
                )
        for name, (low, high) in self.BOUNDS.items():
            _bounded(self.fields[name], low, high)
        for name in ("office_hours_start", "office_hours_end", "sms_quiet_start", "sms_quiet_end"):
            self.fields[name].error_messages["invalid"] = _("Enter a time such as 09:00.")
        self.fields["sms_signature"].help_text = _("Shown as 【signature】 in front of every SMS.")

    def window_rows(self):
        return [
            (self[f"window_{index}_start"], self[f"window_{index}_end"])
            for index in range(WINDOW_ROWS)
        ]

    def clean(self):
        data = super().clean()
        windows: list[tuple[datetime.time, datetime.time, int]] = []
        for index in range(WINDOW_ROWS):
            start_name, end_name = f"window_{index}_start", f"window_{index}_end"
            if start_name in self.errors or end_name in self.errors:
                continue
            start, end = data.get(start_name), data.get(end_name)
            if start is None and end is None:
                continue
            if start is None or end is None:
                missing = start_name if start is None else end_name
                self.add_error(missing, _("Enter both the start and the end of the window."))
            elif start >= end:
                self.add_error(end_name, _("The window must end after it starts."))
            else:
                windows.append((start, end, index))
        windows.sort()
        for (_s1, end1, _i1), (start2, _e2, index2) in zip(windows, windows[1:], strict=False):
            if start2 < end1:
                self.add_error(
                    f"window_{index2}_start", _("This window overlaps another call window.")
                )
        if not windows and not any(name.startswith("window_") for name in self.errors):
            self.add_error("window_0_start", _("Customers need at least one call window."))
        data["call_windows"] = [[f"{s:%H:%M}", f"{e:%H:%M}"] for s, e, _i in windows]
        start, end = data.get("office_hours_start"), data.get("office_hours_end")
        if start and end and start >= end:
            self.add_error("office_hours_end", _("Office hours must end after they start."))
        quiet_start, quiet_end = data.get("sms_quiet_start"), data.get("sms_quiet_end")
        if quiet_start and quiet_end and quiet_start == quiet_end:
            self.add_error("sms_quiet_end", _("Quiet hours cannot start and end at the same time."))
        return data


def _check_script(script: str) -> None:
    unknown = sorted(
        {name for name in _VARIABLE_RE.findall(script) if name not in SCRIPT_VARIABLES}
    )
    if unknown:
        raise ValidationError(
            _("Unknown variables: %(names)s. Use only the variables listed below.")
            % {"names": "、".join("{" + name + "}" for name in unknown)},
            code="unknown_variable",
        )


class CareRuleForm(forms.ModelForm):
    class Meta:
        model = CareRule
        fields = [
            "enabled",
            "priority",
            "channel",
            "offset_days",
            "lead_days",
            "window_days",
            "call_on_holidays",
            "script",
        ]
        widgets = {"script": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bounded(self.fields["priority"], 1, 5)
        _bounded(self.fields["offset_days"], 0, 365)
        _bounded(self.fields["lead_days"], 0, 365)
        _bounded(self.fields["window_days"], 1, 90)
        self.fields["channel"].error_messages["invalid_choice"] = _("Choose phone or SMS.")

    def clean_script(self):
        script = self.cleaned_data.get("script", "")
        _check_script(script)
        return script


class DealerRowForm(forms.ModelForm):
    """A form of a row owned by one dealer; `dealer_id` is what uniqueness is checked in."""

    def __init__(self, *args, dealer_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.dealer_id = dealer_id

    def _others(self, model):
        rows = model.objects.filter(dealer_id=self.dealer_id)
        return rows.exclude(pk=self.instance.pk) if self.instance.pk else rows


class MaintenanceScheduleForm(DealerRowForm):
    class Meta:
        model = MaintenanceSchedule
        fields = ["brand", "series", "first_km", "first_months", "interval_km", "interval_months"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bounded(self.fields["first_km"], 1, 100_000)
        _bounded(self.fields["first_months"], 1, 60)
        _bounded(self.fields["interval_km"], 1, 100_000)
        _bounded(self.fields["interval_months"], 1, 60)
        self.fields["brand"].help_text = _("Leave brand and series empty for every model.")

    def clean(self):
        data = super().clean()
        brand = normalize.normalize_text(data.get("brand", ""))
        series = normalize.normalize_text(data.get("series", ""))
        if series and not brand:
            self.add_error("brand", _("Give the brand of this series."))
        data["brand"], data["series"] = brand, series
        if self._others(MaintenanceSchedule).filter(brand=brand, series=series).exists():
            self.add_error("series", _("This brand and series already has a schedule."))
        return data


class InspectionRuleForm(DealerRowForm):
    class Meta:
        model = InspectionRule
        fields = ["usage", "start_month", "end_month", "every_months"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bounded(self.fields["start_month"], 1, 600)
        _bounded(self.fields["end_month"], 1, 600)
        _bounded(self.fields["every_months"], 0, 120)
        self.fields["usage"].error_messages["invalid_choice"] = _("Choose private or commercial.")
        self.fields["end_month"].help_text = _("Empty: no end.")
        self.fields["every_months"].help_text = _("0: only once, at the first month.")

    def clean(self):
        data = super().clean()
        start, end = data.get("start_month"), data.get("end_month")
        if start and end and end <= start:
            self.add_error("end_month", _("The last month must come after the first."))
        return data


class HolidayForm(forms.ModelForm):
    """A dealer's own holiday or adjusted working day; superusers may edit national ones."""

    national = forms.BooleanField(label=_("National (every dealer)"), required=False, initial=False)

    class Meta:
        model = Holiday
        fields = ["date", "name", "is_workday", "greeting"]
        widgets = {"date": DATE_WIDGET}

    def __init__(self, *args, dealer_id: int, allow_national: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.dealer_id = dealer_id
        self.fields["date"].error_messages["invalid"] = _("Enter a date such as 2026-10-01.")
        if allow_national:
            self.fields["national"].initial = bool(self.instance.pk and not self.instance.dealer_id)
        else:
            del self.fields["national"]

    def clean(self):
        data = super().clean()
        day = data.get("date")
        if day is None:
            return data
        national = data.get("national", False)
        rows = Holiday.objects.filter(date=day, dealer_id=None if national else self.dealer_id)
        if self.instance.pk:
            rows = rows.exclude(pk=self.instance.pk)
        if rows.exists():
            self.add_error("date", _("This day is already in the table."))
        return data


class CampaignForm(DealerRowForm):
    class Meta:
        model = Campaign
        fields = [
            "kind",
            "code",
            "title",
            "starts_on",
            "ends_on",
            "event_date",
            "brand",
            "series",
            "model_year_from",
            "model_year_to",
            "vins",
            "description",
            "script",
            "active",
        ]
        widgets = {
            "starts_on": DATE_WIDGET,
            "ends_on": DATE_WIDGET,
            "event_date": DATE_WIDGET,
            "vins": forms.Textarea(attrs={"rows": 5, "class": "font-monospace"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "script": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_on", "ends_on", "event_date"):
            self.fields[name].error_messages["invalid"] = _("Enter a date such as 2026-10-01.")
        _bounded(self.fields["model_year_from"], 1980, 2100)
        _bounded(self.fields["model_year_to"], 1980, 2100)
        self.fields["kind"].error_messages["invalid_choice"] = _("Choose the kind of campaign.")

    def clean_code(self):
        code = normalize.normalize_text(self.cleaned_data.get("code", "")).upper()
        if self._others(Campaign).filter(code=code).exists():
            raise ValidationError(_("Another campaign already has this code."), code="unique")
        return code

    def clean_vins(self):
        """One VIN a line (or separated by commas), each checked; duplicates dropped."""
        text = self.cleaned_data.get("vins", "")
        vins: list[str] = []
        errors = []
        for number, raw in enumerate(re.split(r"[\r\n,，;；]+", text.strip()), start=1):
            if not raw.strip():
                continue
            try:
                vin = normalize.normalize_vin(raw)
            except ValidationError as error:
                errors.append(f"{raw}：{' '.join(error.messages)}")
                continue
            if vin not in vins:
                vins.append(vin)
            if number > 5000:
                raise ValidationError(_("At most 5000 VINs per campaign."), code="too_many")
        if errors:
            raise ValidationError(errors[:20], code="invalid_vin")
        return "\n".join(vins)

    def clean_script(self):
        script = self.cleaned_data.get("script", "")
        _check_script(script)
        return script

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The campaign cannot end before it starts."))
        is_event = data.get("kind") == CampaignKind.EVENT
        if is_event and not data.get("event_date") and "event_date" not in self.errors:
            self.add_error("event_date", _("An event needs its date."))
        low, high = data.get("model_year_from"), data.get("model_year_to")
        if low and high and high < low:
            self.add_error("model_year_to", _("The last model year cannot be before the first."))
        data["brand"] = normalize.normalize_text(data.get("brand", ""))
        data["series"] = normalize.normalize_text(data.get("series", ""))
        targets_vehicles = data.get("kind") in (CampaignKind.RECALL, CampaignKind.SPECIAL_CHECK)
        has_target = data.get("vins") or data["brand"] or data["series"] or low or high
        if targets_vehicles and not has_target and "vins" not in self.errors:
            self.add_error("vins", _("Give the VINs concerned, or a brand, series or model years."))
        return data
