"""Forms of the archive. Validation rules live in services; forms only present them."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import services
from .choices import ImportKind, VisitType
from .models import Customer, Vehicle
from .services import MAX_ODOMETER_KM

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceRulesMixin:
    """Run a service's clean function and show its messages next to the fields."""

    clean_function = None

    def clean(self):
        cleaned = super().clean()
        try:
            return type(self).clean_function(cleaned, partial=True)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return cleaned


class CustomerForm(ServiceRulesMixin, forms.ModelForm):
    clean_function = services.customer_clean

    class Meta:
        model = Customer
        fields = [
            "kind",
            "name",
            "gender",
            "mobile",
            "home_phone",
            "office_phone",
            "id_number",
            "birthday",
            "birthday_calendar",
            "lunar_birthday_month",
            "lunar_birthday_day",
            "lunar_birthday_leap",
            "email",
            "address",
            "postcode",
            "fax",
            "employer",
            "job_title",
            "education",
            "hobbies",
            "preferred_contact_time",
            "contact_preference",
            "sms_opt_out",
            "lifecycle",
            "membership_level",
            "membership_no",
            "membership_expires",
            "relationship",
            "identity_background",
            "photo",
            "remarks",
        ]
        widgets = {
            "birthday": DATE_INPUT,
            "membership_expires": DATE_INPUT,
            "remarks": forms.Textarea(attrs={"rows": 3}),
            "mobile": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "home_phone": forms.TextInput(attrs={"inputmode": "tel"}),
            "office_phone": forms.TextInput(attrs={"inputmode": "tel"}),
        }

    def __init__(self, *args, dealer=None, **kwargs):
        super().__init__(*args, **kwargs)
        levels = self.fields["membership_level"].queryset
        dealer_id = dealer.pk if dealer else self.instance.dealer_id
        self.fields["membership_level"].queryset = levels.filter(dealer_id=dealer_id)
        self.fields["preferred_contact_time"].widget.attrs["placeholder"] = _(
            "e.g. weekdays after 18:00"
        )


class VehicleForm(ServiceRulesMixin, forms.ModelForm):
    clean_function = services.vehicle_clean

    class Meta:
        model = Vehicle
        fields = [
            "vin",
            "plate",
            "archive_no",
            "brand",
            "series",
            "model_code",
            "model_year",
            "body_colour",
            "interior",
            "fuel_type",
            "transmission",
            "displacement",
            "engine_no",
            "engine_model",
            "gearbox_model",
            "gearbox_no",
            "key_no",
            "equipment_code",
            "production_date",
            "purchase_date",
            "purchase_mileage",
            "purchase_method",
            "purchase_price",
            "usage",
            "selling_dealer",
            "sales_consultant",
            "registration_place",
            "registration_date",
            "insurer",
            "insurance_start",
            "insurance_expiry",
            "warranty_end_date",
            "warranty_end_km",
            "accessories",
        ]
        widgets = dict.fromkeys(services.VEHICLE_DATE_FIELDS, DATE_INPUT)


class TransferForm(forms.Form):
    new_owner = forms.ModelChoiceField(
        label=_("New owner"), queryset=Customer.objects.none(), widget=forms.HiddenInput
    )
    date = forms.DateField(label=_("Transfer date"), widget=DATE_INPUT)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_owner"].queryset = customers
        self.fields["new_owner"].error_messages["invalid_choice"] = _("Choose the new owner.")
        self.initial.setdefault("date", timezone.localdate())


class MergeForm(forms.Form):
    duplicate = forms.ModelChoiceField(
        label=_("Duplicate customer"), queryset=Customer.objects.none(), widget=forms.HiddenInput
    )

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duplicate"].queryset = customers
        self.fields["duplicate"].error_messages["invalid_choice"] = _(
            "Choose the duplicate to merge."
        )


class ServiceVisitForm(forms.Form):
    vehicle = forms.ModelChoiceField(label=_("Vehicle"), queryset=Vehicle.objects.none())
    visit_date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    mileage = forms.IntegerField(label=_("Mileage (km)"), min_value=0, max_value=MAX_ODOMETER_KM)
    visit_type = forms.ChoiceField(label=_("Type"), choices=VisitType.choices)
    amount = forms.DecimalField(
        label=_("Amount (CNY)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    repair_order_no = forms.CharField(label=_("Repair order no."), required=False, max_length=30)
    advisor_name = forms.CharField(label=_("Service advisor"), required=False, max_length=30)
    description = forms.CharField(label=_("Work done"), required=False, max_length=300)
    correction_reason = forms.CharField(
        label=_("Odometer correction reason"),
        required=False,
        max_length=200,
        help_text=_("Only when the reading is lower than an earlier one."),
    )

    def __init__(self, *args, vehicles=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].queryset = vehicles
        self.initial.setdefault("visit_date", timezone.localdate())


class MileageCorrectionForm(forms.Form):
    new_mileage = forms.IntegerField(
        label=_("Correct reading (km)"), min_value=0, max_value=MAX_ODOMETER_KM
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("XLSX or CSV (UTF-8 or GBK) exported from the DMS, with a header row."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise ValidationError(_("Upload an .xlsx or .csv file."))
        return upload
