"""Forms of the agent's workbench and the managers' task pages: input only, no rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dcrc.customers.choices import PreferredCallWindow
from dcrc.customers.normalize import mask_phone

from .choices import CallOutcome, Problem, Satisfaction, TaskKind, TaskState
from .services import MANUAL_CLOSE_REASONS

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
ANY_TIME = "any"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_LOCAL, **kwargs)


class AttemptForm(forms.Form):
    """What happened on one call. Blank contact fields leave the number on file unchanged."""

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=CallOutcome.choices, widget=forms.RadioSelect
    )
    dialled = forms.ChoiceField(label=_("Number dialled"), required=False)
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction"),
        choices=[("", _("Not asked"))] + Satisfaction.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    problems = forms.MultipleChoiceField(
        label=_("Problems heard"),
        choices=Problem.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    callback_at = forms.DateTimeField(
        label=_("Call back at"),
        required=False,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=DateTimeLocalInput(),
    )
    appointment_at = forms.DateTimeField(
        label=_("Appointment booked for"),
        required=False,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=DateTimeLocalInput(),
    )
    mobile = forms.CharField(label=_("New mobile"), max_length=20, required=False)
    home_phone = forms.CharField(label=_("New home phone"), max_length=20, required=False)
    office_phone = forms.CharField(label=_("New office phone"), max_length=20, required=False)
    preferred_call_window = forms.ChoiceField(
        label=_("Prefers to be called"),
        choices=[(ANY_TIME, _("Any time"))] + PreferredCallWindow.choices,
        required=False,
    )
    prefers_sms = forms.BooleanField(label=_("Customer wants SMS only, no calls"), required=False)

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        phones = customer.phones if customer is not None else []
        self.fields["dialled"].choices = [
            (field, f"{label} {mask_phone(digits)}") for field, label, digits in phones
        ]
        if customer is not None:
            self.fields["preferred_call_window"].initial = (
                customer.preferred_call_window or ANY_TIME
            )

    def service_arguments(self) -> dict:
        """The cleaned data as keyword arguments of services.attempt_record()."""
        data = self.cleaned_data
        window = data.get("preferred_call_window")
        return {
            "outcome": data["outcome"],
            "phone": getattr(self.customer, data["dialled"]) if data.get("dialled") else "",
            "satisfaction": data.get("satisfaction") or "",
            "problems": data.get("problems") or [],
            "notes": data.get("notes") or "",
            "callback_at": data.get("callback_at"),
            "appointment_at": data.get("appointment_at"),
            "preferred_call_window": None if not window else ("" if window == ANY_TIME else window),
            "prefers_sms": bool(data.get("prefers_sms")),
            "contact": {
                name: data[name]
                for name in ("mobile", "home_phone", "office_phone")
                if data.get(name)
            },
        }


class TaskFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"), choices=[("", _("All types"))] + TaskKind.choices, required=False
    )
    state = forms.ChoiceField(
        label=_("State"),
        choices=[("", _("All states")), ("open", _("Open or in progress"))] + TaskState.choices,
        required=False,
    )
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    due_after = forms.DateField(
        label=_("Due from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due_before = forms.DateField(
        label=_("Due until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            ("none", _("Unassigned")),
            *[(str(agent.pk), str(agent)) for agent in agents],
        ]

    def clean(self):
        data = super().clean()
        after, before = data.get("due_after"), data.get("due_before")
        if after and before and after > before:
            self.add_error("due_before", _("The end of the range is before its start."))
        return data


class AssignForm(forms.Form):
    tasks = forms.ModelMultipleChoiceField(queryset=None, widget=forms.MultipleHiddenInput)
    agent = forms.ChoiceField(label=_("Assign to"))

    def __init__(self, *args, tasks, agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tasks"].queryset = tasks
        self.fields["tasks"].error_messages["required"] = _("Select at least one task.")
        self.agents = {str(agent.pk): agent for agent in agents}
        self.fields["agent"].choices = [
            ("none", _("Nobody (shared queue)")),
            *[(pk, str(agent)) for pk, agent in self.agents.items()],
        ]

    @property
    def chosen_agent(self):
        return self.agents.get(self.cleaned_data["agent"])


class RebalanceForm(forms.Form):
    agents = forms.MultipleChoiceField(
        label=_("Spread the open tasks over"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, agents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.agent_objects = {str(agent.pk): agent for agent in agents}
        self.fields["agents"].choices = [(pk, str(a)) for pk, a in self.agent_objects.items()]
        self.fields["agents"].error_messages["required"] = _("Choose at least one agent.")

    @property
    def chosen(self):
        return [self.agent_objects[pk] for pk in self.cleaned_data["agents"]]


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[(reason.value, reason.label) for reason in MANUAL_CLOSE_REASONS],
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
