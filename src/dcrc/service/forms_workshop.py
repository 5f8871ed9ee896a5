"""Forms of the workshop: dispatch rows, QC, tool check-out, stations and the labour catalogue.

Each answers a bad value with a message on its field; the services check the rules again.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from dcrc.core.forms import date_in_range
from dcrc.core.models import User

from .choices import IN_SHOP_STATES, QcItem, QcResult
from .models import JobLine, LabourItem, RepairOrder, Station

DATETIME_WIDGET = {"type": "datetime-local"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_field(label, **kwargs):
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=forms.DateTimeInput(attrs=DATETIME_WIDGET, format=DATETIME_FORMAT),
        validators=[date_in_range],
        **kwargs,
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class DispatchLineForm(forms.Form):
    """One job line's row of the dispatch form (prefix line-<id>)."""

    dispatch = forms.BooleanField(label=_("dispatch"), required=False, initial=True)
    station = forms.ModelChoiceField(label=_("station"), queryset=Station.objects.none())
    technician = PersonChoiceField(label=_("technician"), queryset=User.objects.none())
    planned_hours = forms.DecimalField(
        label=_("planned hours"),
        required=False,
        min_value=Decimal("0.1"),
        max_value=Decimal("200"),
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0.1"}),
    )
    planned_start = _datetime_field(_("planned start"))
    planned_end = _datetime_field(_("planned end"))
    equipment_needed = forms.CharField(
        label=_("equipment and documents"), required=False, max_length=200
    )

    def __init__(self, *args, line: JobLine, stations, people, **kwargs):
        kwargs.setdefault("prefix", f"line-{line.pk}")
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("station", line.station_id or _default_station(line, stations))
        initial.setdefault("technician", line.technician_id)
        initial.setdefault("planned_hours", line.planned_hours or line.billed_hours)
        initial.setdefault("planned_start", line.planned_start)
        initial.setdefault("planned_end", line.planned_end)
        initial.setdefault("equipment_needed", line.equipment_needed)
        super().__init__(*args, **kwargs)
        self.line = line
        self.fields["station"].queryset = Station.objects.filter(pk__in=[s.pk for s in stations])
        self.fields["station"].choices = [("", "---------")] + [(s.pk, str(s)) for s in stations]
        self.fields["technician"].queryset = User.objects.filter(pk__in=[p.pk for p in people])
        self.fields["technician"].choices = [("", "---------")] + [(p.pk, str(p)) for p in people]

    @property
    def chosen(self) -> bool:
        return bool(self.cleaned_data.get("dispatch"))


def _default_station(line: JobLine, stations) -> int | None:
    """The first station of the line's work type: the usual choice, one click saved."""
    return next((s.pk for s in stations if s.kind == line.work_type), None)


class JobFinishForm(forms.Form):
    delay_reason = forms.CharField(label=_("delay reason"), required=False, max_length=200)


class QualityCheckForm(forms.Form):
    result = forms.ChoiceField(
        label=_("result"), choices=QcResult.choices, widget=forms.RadioSelect
    )
    checklist = forms.MultipleChoiceField(
        label=_("check list"),
        choices=QcItem.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    delay_reason = forms.CharField(label=_("delay reason"), required=False, max_length=200)
    rework_reason = forms.CharField(label=_("rework reason"), required=False, max_length=200)
    rework_owner = PersonChoiceField(
        label=_("rework owner"), queryset=User.objects.none(), required=False
    )
    penalty = forms.DecimalField(
        label=_("penalty"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("100000"),
        decimal_places=2,
        initial=Decimal("0"),
    )
    note = forms.CharField(label=_("note"), required=False, max_length=300)

    def __init__(self, *args, technicians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rework_owner"].queryset = technicians

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["penalty"] = data.get("penalty") or Decimal("0")
        return data


class ToolCheckoutForm(forms.Form):
    holder = PersonChoiceField(label=_("taken by"), queryset=User.objects.none())
    order = forms.ModelChoiceField(
        label=_("repair order"), queryset=RepairOrder.objects.none(), required=False
    )
    due_back_at = _datetime_field(_("due back"))

    def __init__(self, *args, dealer_id: int, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = people
        self.fields["order"].queryset = RepairOrder.objects.filter(
            dealer_id=dealer_id, state__in=IN_SHOP_STATES
        ).select_related("vehicle")
        self.fields["order"].label_from_instance = lambda o: f"{o.number} {o.vehicle.plate}"


class ToolCheckinForm(forms.Form):
    condition_note = forms.CharField(label=_("condition"), required=False, max_length=200)


class StationForm(forms.ModelForm):
    team_lead = PersonChoiceField(
        label=_("team lead"), queryset=User.objects.none(), required=False
    )
    technicians = PeopleChoiceField(
        label=_("technicians"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Station
        fields = ["code", "name", "kind", "bays", "team_lead", "technicians", "active"]
        widgets = {"bays": forms.NumberInput(attrs={"min": 1, "max": 50})}

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team_lead"].queryset = staff
        self.fields["technicians"].queryset = staff
        # One message naming the range, for too small, too large and not a number alike.
        self.fields["bays"].validators = []
        self.fields["bays"].error_messages["invalid"] = _("Enter 1 to 50 bays.")

    def clean_bays(self):
        bays = self.cleaned_data.get("bays")
        if bays is None or not 1 <= bays <= 50:
            raise forms.ValidationError(_("Enter 1 to 50 bays."))
        return bays

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["technicians"] = list(data.get("technicians") or [])
        return data


class LabourItemForm(forms.ModelForm):
    class Meta:
        model = LabourItem
        fields = ["code", "name", "work_type", "standard_hours", "rate", "active"]
        widgets = {
            "standard_hours": forms.NumberInput(attrs={"step": "0.1", "min": "0"}),
            "rate": forms.NumberInput(attrs={"step": "1", "min": "0"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, top in (("standard_hours", Decimal("200")), ("rate", Decimal("100000"))):
            field = self.fields[name]
            message = _("Enter a number from 0 to %(top)s.") % {"top": top}
            field.error_messages["invalid"] = message
            field.error_messages["max_digits"] = message
            field.error_messages["max_whole_digits"] = message
            field.error_messages["max_decimal_places"] = _("At most two decimals.")
            field.required = True

    def _clean_range(self, name: str, top: Decimal):
        value = self.cleaned_data.get(name)
        if value is not None and not Decimal("0") <= value <= top:
            raise forms.ValidationError(_("Enter a number from 0 to %(top)s.") % {"top": top})
        return value

    def clean_standard_hours(self):
        return self._clean_range("standard_hours", Decimal("200"))

    def clean_rate(self):
        return self._clean_range("rate", Decimal("100000"))
