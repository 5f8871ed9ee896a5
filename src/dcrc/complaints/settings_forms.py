"""The form of a dealer's complaint settings: a message on the field for every bad value."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import ComplaintSettings
from .settings_services import EDITABLE, HOURS_FIELDS, MAX_HOURS, MIN_HOURS


def _hours_validator(message):
    def validate(value):
        if value is not None and not MIN_HOURS <= value <= MAX_HOURS:
            raise ValidationError(message, code="out_of_range")

    return validate


class ComplaintSettingsForm(forms.ModelForm):
    class Meta:
        model = ComplaintSettings
        fields = list(EDITABLE)
        widgets = {
            "business_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "business_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("business_hours_start"), cleaned.get("business_hours_end")
        if opens and closes and closes <= opens:
            self.add_error("business_hours_end", _("The end must come after the start."))
        return cleaned

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        message = _("Enter a whole number from %(low)s to %(high)s.") % {
            "low": MIN_HOURS,
            "high": MAX_HOURS,
        }
        for name in HOURS_FIELDS:
            field = self.fields[name]
            # One message naming the range, for too small, too large and not a number alike.
            field.validators = [
                v
                for v in field.validators
                if type(v).__name__ not in ("MinValueValidator", "MaxValueValidator")
            ]
            field.validators.append(_hours_validator(message))
            field.error_messages["invalid"] = message
            field.widget.attrs.update({"min": MIN_HOURS, "max": MAX_HOURS, "step": 1})
        self.fields["large_loss_amount"].widget.attrs.update({"min": "0", "step": "100"})
