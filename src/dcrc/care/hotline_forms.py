"""Forms of the hotline call register and of SMS. Rules live in the services; forms present them."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dcrc.core.models import Dealer, User
from dcrc.customers import normalize
from dcrc.customers.models import Customer, Vehicle

from . import hotline, sms
from .choices import InboundKind, InboundType, TaskKind
from .models import InboundCall, SmsTemplate

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXTAREA = forms.Textarea(attrs={"rows": 2})


class _DealerLinks(forms.Form):
    """Customer and vehicle chosen by id among the dealer's; rendered by the lookup partial,
    never as a select of the whole archive."""

    customer = forms.ModelChoiceField(
        queryset=Customer.objects.none(), required=False, widget=forms.HiddenInput
    )
    vehicle = forms.ModelChoiceField(
        queryset=Vehicle.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, dealer: Dealer, **kwargs):
        super().__init__(*args, **kwargs)
        self.dealer = dealer
        self.fields["customer"].queryset = Customer.objects.filter(dealer=dealer).current()
        self.fields["vehicle"].queryset = Vehicle.objects.filter(dealer=dealer).select_related(
            "owner"
        )


class InboundCallForm(_DealerLinks):
    """The quick form: number first, the customer appears as it is typed."""

    phone = forms.CharField(label=_("Caller's number"), max_length=30, required=False)
    call_type = forms.ChoiceField(
        label=_("Type"), choices=InboundType.choices, initial=InboundType.CONSULTATION
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=InboundKind.choices, initial="call")
    received_at = forms.DateTimeField(label=_("Received at"), widget=DATETIME_INPUT)
    caller_name = forms.CharField(label=_("Caller"), max_length=50, required=False)
    content = forms.CharField(label=_("Content"), widget=TEXTAREA, required=False)
    result = forms.CharField(label=_("Result"), widget=TEXTAREA, required=False)
    follow_up = forms.CharField(label=_("Follow-up"), widget=TEXTAREA, required=False)

    field_order = [
        "phone",
        "call_type",
        "kind",
        "received_at",
        "caller_name",
        "content",
        "result",
        "follow_up",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update(
            {"autofocus": True, "inputmode": "tel", "autocomplete": "off"}
        )
        if not self.is_bound:
            self.initial.setdefault(
                "received_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def clean_received_at(self):
        value = self.cleaned_data["received_at"]
        if value > timezone.now() + datetime.timedelta(minutes=5):
            raise ValidationError(_("A call cannot be received in the future."))
        return value

    def clean(self):
        cleaned = super().clean()
        no_caller = not cleaned.get("phone") and not cleaned.get("customer")
        if no_caller and not self.has_error("phone"):
            self.add_error("phone", _("Enter the caller's number or pick a customer."))
        return cleaned


class InboundCallEditForm(_DealerLinks):
    call_type = forms.ChoiceField(label=_("Type"), choices=InboundType.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=InboundKind.choices)
    caller_name = forms.CharField(label=_("Caller"), max_length=50, required=False)
    handler = forms.ModelChoiceField(
        label=_("Handler"), queryset=User.objects.none(), required=False
    )
    content = forms.CharField(label=_("Content"), widget=TEXTAREA, required=False)
    result = forms.CharField(label=_("Result"), widget=TEXTAREA, required=False)
    follow_up = forms.CharField(label=_("Follow-up"), widget=TEXTAREA, required=False)

    def __init__(self, *args, call: InboundCall, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "call_type": call.call_type,
                "kind": call.kind,
                "caller_name": call.caller_name,
                "handler": call.handler_id,
                "customer": call.customer_id,
                "vehicle": call.vehicle_id,
                "content": call.content,
                "result": call.result,
                "follow_up": call.follow_up,
            },
        )
        super().__init__(*args, dealer=call.dealer, **kwargs)
        self.fields["handler"].queryset = (
            User.objects.filter(dealers=call.dealer, is_active=True)
            .order_by("display_name", "username")
            .distinct()
        )


class ReplyForm(forms.Form):
    result = forms.CharField(label=_("What was agreed"), widget=TEXTAREA, required=False)


class RecordingForm(forms.Form):
    recording = forms.FileField(
        label=_("Recording"),
        widget=forms.ClearableFileInput(attrs={"accept": ".mp3,.wav,.m4a,audio/*"}),
    )

    def clean_recording(self):
        upload = self.cleaned_data["recording"]
        try:
            hotline.recording_validate(upload)
        except ValidationError as error:
            raise ValidationError(error.message_dict["recording"]) from None
        return upload


# --- SMS -------------------------------------------------------------------------------------


class SmsTemplateForm(forms.ModelForm):
    class Meta:
        model = SmsTemplate
        fields = [
            "code",
            "name",
            "task_kind",
            "is_marketing",
            "body",
            "provider_template",
            "active",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task_kind"].choices = [("", "—"), *TaskKind.choices]

    def validate_unique(self):
        """The service checks the code per dealer (the form does not know the dealer)."""


class SmsSendForm(forms.Form):
    phone = forms.CharField(label=_("Mobile"), max_length=30)
    template = forms.ModelChoiceField(
        label=_("Template"), queryset=SmsTemplate.objects.none(), required=False
    )
    body = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}), max_length=500
    )

    def __init__(self, *args, dealer: Dealer, customer: Customer | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.dealer = dealer
        self.customer = customer
        self.fields["template"].queryset = SmsTemplate.objects.filter(
            dealer=dealer, active=True
        ).order_by("is_marketing", "name")
        if customer is not None and customer.mobile and not self.is_bound:
            self.initial.setdefault("phone", customer.mobile)

    def clean_body(self):
        body = self.cleaned_data["body"]
        unfilled = sms.unfilled_variables(body)
        if unfilled:
            raise ValidationError(
                _("Write in %(names)s before sending.")
                % {"names": ", ".join("{" + name + "}" for name in unfilled)}
            )
        return body

    def clean_phone(self):
        try:
            digits = normalize.normalize_phone(self.cleaned_data["phone"])
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        if normalize.phone_kind(digits) != "mobile":
            raise ValidationError(_("Texts go to mobile numbers only."))
        return digits
