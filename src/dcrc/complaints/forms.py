"""Forms of complaint intake and handling. Rules live in the services; forms present them."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dcrc.care.models import ContactTask, InboundCall
from dcrc.core.models import Dealer, User
from dcrc.customers import normalize
from dcrc.customers.models import Customer, ServiceVisit, Vehicle

from . import choices
from .choices import Action

TEXTAREA = forms.Textarea(attrs={"rows": 3})
SHORT_TEXTAREA = forms.Textarea(attrs={"rows": 2})
CHECKBOXES = forms.CheckboxSelectMultiple
# The lengths the API accepts (dcrc.api.complaints), so both ways in take the same text.
LONG_TEXT = 4000
NOTE_TEXT = 2000


def _phone_or_blank(text: str) -> str:
    try:
        return normalize.normalize_phone(text)
    except ValidationError:
        return ""


def _blank(field_choices) -> list[tuple[str, str]]:
    return [("", "—"), *field_choices]


class ComplaintDetailsForm(forms.Form):
    """What the customer complains about: shared by the intake and the edit form."""

    category = forms.ChoiceField(label=_("Category"), choices=_blank(choices.Category.choices))
    department = forms.ChoiceField(
        label=_("Department"), choices=_blank(choices.Department.choices)
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=choices.Severity.choices, initial=choices.Severity.MEDIUM
    )
    typical_case = forms.ChoiceField(
        label=_("Typical case"), choices=_blank(choices.TypicalCase.choices), required=False
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("What the customer says"), widget=TEXTAREA, max_length=LONG_TEXT
    )
    customer_demand = forms.CharField(
        label=_("Customer's demand"), widget=SHORT_TEXTAREA, required=False, max_length=NOTE_TEXT
    )
    important_flags = forms.MultipleChoiceField(
        label=_("Important because"),
        choices=choices.ImportantFlag.choices,
        widget=CHECKBOXES,
        required=False,
    )
    loss_amount = forms.DecimalField(
        label=_("Claimed loss (CNY)"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    repair_order_no = forms.CharField(label=_("Repair order no."), max_length=30, required=False)


class IntakeForm(ComplaintDetailsForm):
    """The one-minute intake: the customer by number or plate first, then what happened."""

    dealer = forms.ModelChoiceField(
        label=_("Dealer"), queryset=Dealer.objects.none(), empty_label="—"
    )
    lookup = forms.CharField(label=_("Phone or plate"), max_length=50, required=False)
    # Chosen among the lookup's matches (radio buttons of the lookup partial).
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.none(), required=False, widget=forms.HiddenInput
    )
    vehicle = forms.ModelChoiceField(
        queryset=Vehicle.objects.none(), required=False, widget=forms.HiddenInput
    )
    contact_name = forms.CharField(label=_("Contact name"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=choices.Channel.choices, initial=choices.Channel.HOTLINE
    )
    owner = forms.ModelChoiceField(
        label=_("Handler"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— assign later —"),
    )
    inbound_call = forms.ModelChoiceField(
        queryset=InboundCall.objects.none(), required=False, widget=forms.HiddenInput
    )
    contact_task = forms.ModelChoiceField(
        queryset=ContactTask.objects.none(), required=False, widget=forms.HiddenInput
    )
    service_visit = forms.ModelChoiceField(
        queryset=ServiceVisit.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(
        self,
        *args,
        dealer_ids: list[int],
        dealer: Dealer | None,
        handlers,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [
            (value, label) for value, label in choices.Channel.choices if value != "api"
        ]
        scope = {"dealer_id__in": dealer_ids}
        self.fields["customer"].queryset = Customer.objects.filter(**scope).current()
        self.fields["vehicle"].queryset = Vehicle.objects.filter(**scope)
        self.fields["inbound_call"].queryset = InboundCall.objects.filter(**scope)
        self.fields["contact_task"].queryset = ContactTask.objects.filter(**scope)
        self.fields["service_visit"].queryset = ServiceVisit.objects.filter(**scope)
        self.fields["owner"].queryset = handlers
        if dealer is not None:
            # The dealer is the one switched to (or the prefilled link's): not asked.
            del self.fields["dealer"]
            self.chosen_dealer = dealer
        else:
            self.fields["dealer"].queryset = Dealer.objects.filter(pk__in=dealer_ids).order_by(
                "code"
            )
            self.chosen_dealer = None
        lookup = self.fields["lookup"].widget
        lookup.attrs.update(
            {
                "autofocus": True,
                "autocomplete": "off",
                "placeholder": _("Mobile, phone or plate, e.g. 13800138000 / 粤A12345"),
            }
        )

    def clean_contact_phone(self):
        phone = self.cleaned_data["contact_phone"].strip()
        if not phone:
            return ""
        return normalize.normalize_phone(phone)  # the check the API makes

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("dealer") is not None:
            self.chosen_dealer = cleaned["dealer"]
        customer, vehicle = cleaned.get("customer"), cleaned.get("vehicle")
        if vehicle is not None and customer is not None and vehicle.owner_id != customer.pk:
            cleaned["vehicle"] = None  # a vehicle of another match stayed ticked
        if customer is None and not cleaned.get("contact_phone"):
            # An unknown caller: the number typed in the lookup is their number.
            typed = re.sub(r"[\s\-()+]", "", cleaned.get("lookup", ""))
            if typed.isdigit() and len(typed) >= 7:
                cleaned["contact_phone"] = _phone_or_blank(typed)
        if customer is None and vehicle is None:
            if not cleaned.get("contact_name"):
                self.add_error(
                    "contact_name", _("Pick the customer found, or give the contact's name.")
                )
            if not cleaned.get("contact_phone") and not self.has_error("contact_phone"):
                self.add_error("contact_phone", _("Give the contact's phone number."))
        return cleaned

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("lookup", None)
        data.pop("dealer", None)
        data["important_flags"] = list(data.get("important_flags") or [])
        return data


class EditForm(ComplaintDetailsForm):
    """Correct the intake details of a registered complaint."""

    FIELDS = (
        "category",
        "department",
        "severity",
        "typical_case",
        "subject",
        "description",
        "customer_demand",
        "repair_order_no",
        "loss_amount",
        "important_flags",
    )

    def changed_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS if name in self.changed_data}


# The fields each move asks for, besides the optional note.
MOVE_FIELDS: dict[str, tuple[str, ...]] = {
    Action.PROPOSE: ("solution",),
    Action.RESOLVE: ("resolution",),
    Action.CLOSE: ("root_cause", "prevention"),
    Action.ESCALATE_CRC: ("owner",),
    Action.ESCALATE_REGIONAL: ("owner",),
    Action.REQUEST_ON_SITE: ("owner",),
}


class MoveForm(forms.Form):
    """One step of the complaint's process; the service says what the step needs."""

    action = forms.ChoiceField(choices=Action.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Why / remark"), widget=SHORT_TEXTAREA, required=False, max_length=NOTE_TEXT
    )
    solution = forms.CharField(
        label=_("Solution"), widget=TEXTAREA, required=False, max_length=LONG_TEXT
    )
    resolution = forms.CharField(
        label=_("Result"), widget=TEXTAREA, required=False, max_length=LONG_TEXT
    )
    root_cause = forms.CharField(
        label=_("Root cause"), widget=TEXTAREA, required=False, max_length=LONG_TEXT
    )
    prevention = forms.CharField(
        label=_("Prevention"), widget=TEXTAREA, required=False, max_length=LONG_TEXT
    )
    owner = forms.ModelChoiceField(
        label=_("Manufacturer owner"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— all of the dealer's manufacturer staff —"),
    )

    def __init__(self, *args, manufacturer_staff: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(
            pk__in=[user.pk for user in manufacturer_staff]
        ).order_by("role", "display_name", "username")

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        action = data["action"]
        arguments = {"action": action, "note": data["note"]}
        for name in MOVE_FIELDS.get(action, ()):
            arguments[name] = data[name]
        return arguments


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(
        label=_("Handler"), queryset=User.objects.none(), empty_label="—"
    )
    note = forms.CharField(label=_("Remark"), max_length=500, required=False)

    def __init__(self, *args, handlers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = handlers


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=SHORT_TEXTAREA, max_length=NOTE_TEXT)
