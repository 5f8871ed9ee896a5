"""Forms of the improvement loop. Rules live in improvement.py and surveys.py; forms present them."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from dcrc.core.forms import date_in_range
from dcrc.core.models import Dealer, User

from . import improvement
from .choices import Category, Department, SurveyKind
from .models import Complaint, SurveyItem, WeeklyMeeting

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MAX_PERIOD_DAYS = 366

PERIOD_KINDS = [("week", _("Week")), ("month", _("Month")), ("custom", _("Custom"))]


class PeriodForm(forms.Form):
    """A week or a month around `day`, or from/to dates."""

    kind = forms.ChoiceField(label=_("Period"), choices=PERIOD_KINDS, required=False)
    day = forms.DateField(
        label=_("Day in the period"),
        required=False,
        widget=DATE_INPUT,
        validators=[date_in_range],
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=DATE_INPUT, validators=[date_in_range]
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=DATE_INPUT, validators=[date_in_range]
    )

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        if data.get("kind") == "custom" and not self.errors:
            start, end = data.get("start"), data.get("end")
            if not start:
                self.add_error("start", _("Enter the first day of the period."))
            elif not end:
                self.add_error("end", _("Enter the last day of the period."))
            elif end < start:
                self.add_error("end", _("The last day cannot be before the first day."))
            elif (end - start).days >= MAX_PERIOD_DAYS:
                self.add_error("end", _("Choose a period of at most one year."))
        return data

    def period(self) -> improvement.Period:
        """The chosen period; this week when none (or an invalid one) was chosen."""
        if not self.is_bound or not self.is_valid():
            return improvement.period_week(self.today)
        data = self.cleaned_data
        day = data.get("day") or self.today
        if data.get("kind") == "custom":
            return improvement.Period(data["start"], data["end"])
        if data.get("kind") == "month":
            return improvement.period_month(day)
        return improvement.period_week(day)


def _staff_field(label, *, required=True):
    return forms.ModelChoiceField(
        label=label, queryset=User.objects.none(), required=required, empty_label="—"
    )


class MeetingCreateForm(forms.Form):
    week_start = forms.DateField(
        label=_("Week of"),
        widget=DATE_INPUT,
        validators=[date_in_range],
        help_text=_("Any day of the week; the meeting is filed under its Monday."),
    )


class MeetingForm(forms.Form):
    held_at = forms.DateTimeField(
        label=_("Held at"), required=False, widget=DATETIME_INPUT, validators=[date_in_range]
    )
    location = forms.CharField(label=_("Location"), max_length=100, required=False)
    chair = _staff_field(_("Chair"), required=False)
    staff = forms.ModelMultipleChoiceField(
        label=_("Attendees from the staff"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    others = forms.CharField(
        label=_("Other attendees"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One name per line, e.g. the manufacturer's regional service manager."),
    )
    minutes = forms.CharField(
        label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    decisions = forms.CharField(
        label=_("Decisions"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, meeting: WeeklyMeeting, **kwargs):
        staff = list(improvement.action_owners(meeting.dealer_id))
        names = {str(user): user for user in staff}
        if not args or args[0] is None:
            chosen = [names[name].pk for name in meeting.attendees if name in names]
            kwargs.setdefault(
                "initial",
                {
                    "held_at": meeting.held_at,
                    "location": meeting.location,
                    "chair": meeting.chair_id,
                    "staff": chosen,
                    "others": "\n".join(name for name in meeting.attendees if name not in names),
                    "minutes": meeting.minutes,
                    "decisions": meeting.decisions,
                },
            )
        super().__init__(*args, **kwargs)
        queryset = improvement.action_owners(meeting.dealer_id)
        self.fields["chair"].queryset = queryset
        self.fields["staff"].queryset = queryset

    def service_fields(self) -> dict:
        data = self.cleaned_data
        others = [line for line in data["others"].replace("，", "\n").splitlines()]
        return {
            "held_at": data["held_at"],
            "location": data["location"],
            "chair": data["chair"],
            "attendees": [str(user) for user in data["staff"]] + others,
            "minutes": data["minutes"],
            "decisions": data["decisions"],
        }


class ActionForm(forms.Form):
    department = forms.ChoiceField(label=_("Department"), choices=Department.choices)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", "—"), *Category.choices], required=False
    )
    weak_point = forms.CharField(label=_("Weak point"), max_length=200)
    action = forms.CharField(label=_("Corrective action"), widget=forms.Textarea(attrs={"rows": 3}))
    owner = _staff_field(_("Responsible"))
    due_date = forms.DateField(label=_("Complete by"), widget=DATE_INPUT)
    meeting = forms.ModelChoiceField(
        queryset=WeeklyMeeting.objects.none(), required=False, widget=forms.HiddenInput
    )
    complaint = forms.ModelChoiceField(
        queryset=Complaint.objects.none(), required=False, widget=forms.HiddenInput
    )
    survey_item = forms.ModelChoiceField(
        queryset=SurveyItem.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, dealer: Dealer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = improvement.action_owners(dealer.pk)
        self.fields["meeting"].queryset = WeeklyMeeting.objects.filter(dealer=dealer)
        self.fields["complaint"].queryset = Complaint.objects.filter(dealer=dealer)
        self.fields["survey_item"].queryset = SurveyItem.objects.filter(dealer=dealer)


class ActionStartForm(forms.Form):
    due_date = forms.DateField(label=_("New due date"), required=False, widget=DATE_INPUT)


class ActionDoneForm(forms.Form):
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}))


class ActionVerifyForm(forms.Form):
    effective = forms.TypedChoiceField(
        label=_("Verification result"),
        choices=[("1", _("Effective: verified")), ("0", _("Not effective: reopen"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Verification"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (input type=month); the first day of it."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class SurveyImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Survey"), choices=SurveyKind.choices)
    month = MonthField(label=_("Month"))
    overall_score = forms.DecimalField(
        label=_("Overall score"),
        required=False,
        max_digits=6,
        decimal_places=2,
        min_value=0,
        help_text=_("Leave empty when the file has an overall row."),
    )
    file = forms.FileField(
        label=_("File (XLSX or CSV)"),
        help_text=_("Columns: item code, item, score, target, key item (是/否)."),
    )
    replace = forms.BooleanField(
        label=_("Replace the existing results of that month"),
        required=False,
        help_text=_("Needed when the month was imported before; nothing is saved otherwise."),
    )
