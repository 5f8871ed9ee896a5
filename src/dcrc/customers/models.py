"""The customer and vehicle archive (domain §2): static data, ownership, visits, search keys."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dcrc.core.tenancy import DealerOwned, DealerScopedQuerySet

from . import choices


class MembershipLevel(DealerOwned):
    """A membership class of a dealer (普通/银/金/白金/钻石/VIP) and what it grants."""

    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=30)
    price_type = models.CharField(_("price type"), max_length=30, blank=True)
    validity_months = models.PositiveSmallIntegerField(_("validity (months)"), default=12)
    fee = models.DecimalField(_("fee"), max_digits=10, decimal_places=2, default=0)
    points_required = models.PositiveIntegerField(_("points required"), default=0)
    single_spend_threshold = models.DecimalField(
        _("single-spend threshold"), max_digits=10, decimal_places=2, default=0
    )
    labour_discount_pct = models.DecimalField(
        _("labour discount %"), max_digits=5, decimal_places=2, default=0
    )
    parts_discount_pct = models.DecimalField(
        _("parts discount %"), max_digits=5, decimal_places=2, default=0
    )

    class Meta:
        verbose_name = _("membership level")
        verbose_name_plural = _("membership levels")
        ordering = ["dealer", "number"]
        constraints = [
            models.UniqueConstraint(fields=["dealer", "number"], name="membership_level_number"),
            models.CheckConstraint(
                condition=Q(labour_discount_pct__gte=0, labour_discount_pct__lte=100)
                & Q(parts_discount_pct__gte=0, parts_discount_pct__lte=100),
                name="membership_discount_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CustomerQuerySet(DealerScopedQuerySet):
    def current(self):
        """Customers not folded into another one by a merge."""
        return self.filter(merged_into__isnull=True)


class Customer(DealerOwned):
    """A customer of one dealer: a person or an organisation (客户资料)."""

    owner_code = models.CharField(_("owner code"), max_length=30)
    kind = models.CharField(
        _("customer type"),
        max_length=20,
        choices=choices.CustomerKind.choices,
        default=choices.CustomerKind.INDIVIDUAL,
    )
    name = models.CharField(_("name"), max_length=100)
    name_pinyin = models.CharField(_("pinyin"), max_length=200, blank=True, editable=False)
    gender = models.CharField(
        _("gender"), max_length=10, choices=choices.Gender.choices, blank=True
    )
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    home_phone = models.CharField(_("home phone"), max_length=20, blank=True)
    office_phone = models.CharField(_("office phone"), max_length=20, blank=True)
    id_number = models.CharField(_("ID card no. / organisation code"), max_length=30, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    birthday_calendar = models.CharField(
        _("celebrates birthday by"),
        max_length=10,
        choices=choices.BirthdayCalendar.choices,
        default=choices.BirthdayCalendar.SOLAR,
    )
    lunar_birthday_month = models.PositiveSmallIntegerField(
        _("lunar birthday month"), null=True, blank=True
    )
    lunar_birthday_day = models.PositiveSmallIntegerField(
        _("lunar birthday day"), null=True, blank=True
    )
    lunar_birthday_leap = models.BooleanField(_("leap month"), default=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    fax = models.CharField(_("fax"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    job_title = models.CharField(_("job title"), max_length=50, blank=True)
    education = models.CharField(
        _("education"), max_length=20, choices=choices.Education.choices, blank=True
    )
    hobbies = models.CharField(_("hobbies"), max_length=200, blank=True)
    photo = models.ImageField(_("photo"), upload_to="customers/photos/", blank=True)
    preferred_contact_time = models.CharField(
        _("preferred contact time"), max_length=50, blank=True
    )
    # The part of the day the customer likes to be called; the workbench honours it.
    preferred_call_window = models.CharField(
        _("preferred call window"),
        max_length=10,
        choices=choices.PreferredCallWindow.choices,
        blank=True,
    )
    contact_preference = models.CharField(
        _("contact preference"),
        max_length=10,
        choices=choices.ContactPreference.choices,
        default=choices.ContactPreference.PHONE,
    )
    sms_opt_out = models.BooleanField(_("unsubscribed from marketing SMS"), default=False)
    lifecycle = models.CharField(
        _("lifecycle"),
        max_length=10,
        choices=choices.Lifecycle.choices,
        default=choices.Lifecycle.CUSTOMER,
    )
    membership_level = models.ForeignKey(
        MembershipLevel,
        verbose_name=_("membership level"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    membership_no = models.CharField(_("membership card no."), max_length=30, blank=True)
    membership_expires = models.DateField(_("membership expires"), null=True, blank=True)
    relationship = models.CharField(_("relationship"), max_length=50, blank=True)
    identity_background = models.CharField(_("identity / background"), max_length=50, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    # Denormalised from the service history by service_visit_record(); read by lists and reports.
    last_visit_date = models.DateField(_("last visit"), null=True, blank=True)
    visit_count = models.PositiveIntegerField(_("visits"), default=0)
    paid_visit_count = models.PositiveIntegerField(_("paid visits"), default=0)
    total_spend = models.DecimalField(_("total spend"), max_digits=12, decimal_places=2, default=0)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        # No index: nothing looks customers up by it (merges are rare, customers are never
        # deleted); every import and new customer would pay for one.
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # as merged_into: an audit field nothing filters by
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(fields=["dealer", "owner_code"], name="customer_owner_code"),
            models.CheckConstraint(
                condition=Q(total_spend__gte=0), name="customer_total_spend_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["dealer", "mobile", "name"], name="customer_phone_name"),
            models.Index(fields=["dealer", "last_visit_date"], name="customer_last_visit"),
            models.Index(fields=["dealer", "id_number"], name="customer_id_number"),
            models.Index(fields=["dealer", "birthday"], name="customer_birthday"),
            # The contact planner reads the customers changed since its previous run.
            models.Index(fields=["dealer", "updated_at"], name="customer_updated"),
            models.Index(
                fields=["dealer", "lunar_birthday_month", "lunar_birthday_day"],
                name="customer_lunar_birthday",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])

    @property
    def is_company(self) -> bool:
        return self.kind != choices.CustomerKind.INDIVIDUAL

    @property
    def phones(self) -> list[tuple[str, str, str]]:
        """(field, label, digits) of every number on file, mobile first."""
        numbers = [
            ("mobile", _("Mobile"), self.mobile),
            ("home_phone", _("Home phone"), self.home_phone),
            ("office_phone", _("Office phone"), self.office_phone),
        ]
        return [number for number in numbers if number[2]]


class Vehicle(DealerOwned):
    """A vehicle in a dealer's archive (车辆资料); its owner can change, history is kept."""

    archive_no = models.CharField(_("archive no."), max_length=30, blank=True)
    vin = models.CharField(_("VIN"), max_length=17)
    plate = models.CharField(_("plate no."), max_length=10, blank=True)
    owner = models.ForeignKey(
        Customer, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="vehicles"
    )
    brand = models.CharField(_("brand"), max_length=30, blank=True)
    series = models.CharField(_("series"), max_length=50, blank=True)
    model_code = models.CharField(_("model code"), max_length=50, blank=True)
    model_year = models.PositiveSmallIntegerField(_("model year"), null=True, blank=True)
    engine_no = models.CharField(_("engine no."), max_length=30, blank=True)
    engine_model = models.CharField(_("engine model"), max_length=30, blank=True)
    gearbox_model = models.CharField(_("gearbox model"), max_length=30, blank=True)
    gearbox_no = models.CharField(_("gearbox no."), max_length=30, blank=True)
    key_no = models.CharField(_("key no."), max_length=30, blank=True)
    transmission = models.CharField(
        _("transmission"), max_length=10, choices=choices.TransmissionType.choices, blank=True
    )
    displacement = models.DecimalField(
        _("displacement (L)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    equipment_code = models.CharField(_("equipment code"), max_length=30, blank=True)
    body_colour = models.CharField(_("body colour"), max_length=20, blank=True)
    interior = models.CharField(_("interior"), max_length=20, blank=True)
    production_date = models.DateField(_("production date"), null=True, blank=True)
    fuel_type = models.CharField(
        _("fuel type"), max_length=10, choices=choices.FuelType.choices, blank=True
    )
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    purchase_mileage = models.PositiveIntegerField(_("mileage at purchase (km)"), default=0)
    usage = models.CharField(
        _("usage"),
        max_length=20,
        choices=choices.VehicleUsage.choices,
        default=choices.VehicleUsage.PRIVATE,
    )
    selling_dealer = models.CharField(_("selling dealer"), max_length=100, blank=True)
    registration_place = models.CharField(_("registration place"), max_length=50, blank=True)
    registration_date = models.DateField(_("registration date"), null=True, blank=True)
    purchase_method = models.CharField(
        _("purchase method"), max_length=10, choices=choices.PurchaseMethod.choices, blank=True
    )
    purchase_price = models.DecimalField(
        _("purchase price"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    accessories = models.CharField(_("accessories fitted"), max_length=300, blank=True)
    insurer = models.CharField(_("insurer"), max_length=50, blank=True)
    insurance_start = models.DateField(_("insurance start"), null=True, blank=True)
    insurance_expiry = models.DateField(_("insurance expiry"), null=True, blank=True)
    warranty_end_date = models.DateField(_("warranty ends"), null=True, blank=True)
    warranty_end_km = models.PositiveIntegerField(_("warranty ends at (km)"), null=True, blank=True)
    first_service_date = models.DateField(_("first service date"), null=True, blank=True)
    sales_consultant = models.CharField(_("sales consultant"), max_length=30, blank=True)
    # The latest odometer reading; only service_visit_record() and mileage_correct() move it.
    mileage = models.PositiveIntegerField(_("mileage (km)"), default=0)
    mileage_date = models.DateField(_("mileage read on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        constraints = [
            models.UniqueConstraint(fields=["dealer", "vin"], name="vehicle_vin"),
        ]
        indexes = [
            models.Index(fields=["dealer", "plate"], name="vehicle_plate"),
            # The contact planner's ranges: changed vehicles, purchases, expiries, inspections.
            models.Index(fields=["dealer", "updated_at"], name="vehicle_updated"),
            models.Index(fields=["dealer", "purchase_date"], name="vehicle_purchase"),
            models.Index(fields=["dealer", "insurance_expiry"], name="vehicle_insurance_expiry"),
            models.Index(fields=["dealer", "warranty_end_date"], name="vehicle_warranty_end"),
            models.Index(fields=["dealer", "registration_date"], name="vehicle_registration"),
        ]

    def __str__(self) -> str:
        return self.plate or self.vin

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.owner_id]) + f"#vehicle-{self.pk}"

    @property
    def title(self) -> str:
        return " ".join(filter(None, [self.brand, self.series, str(self.model_year or "")]))


class VehicleOwnership(DealerOwned):
    """One period of a vehicle belonging to a customer; the open one has no end date."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="ownerships")
    # Indexed by the ownership_customer index below (the FK's own index would duplicate it).
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="ownerships", db_index=False
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=choices.OwnershipReason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # an audit field nothing filters by
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ownership")
        verbose_name_plural = _("ownership history")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle"],
                condition=Q(end_date__isnull=True),
                name="vehicle_one_open_ownership",
            ),
        ]
        indexes = [models.Index(fields=["customer"], name="ownership_customer")]

    def __str__(self) -> str:
        return f"{self.vehicle} → {self.customer}"


class ServiceVisit(DealerOwned):
    """One visit of a vehicle to the workshop (维修记录): the dynamic heart of the archive."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="visits")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="visits")
    visit_date = models.DateField(_("date"))
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    mileage = models.PositiveIntegerField(_("mileage (km)"))
    visit_type = models.CharField(_("type"), max_length=30, choices=choices.VisitType.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, default=0)
    repair_order_no = models.CharField(_("repair order no."), max_length=30, blank=True)
    advisor_name = models.CharField(_("service advisor"), max_length=30, blank=True)
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("service advisor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    description = models.CharField(_("work done"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=choices.VisitSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("service visit")
        verbose_name_plural = _("service visits")
        ordering = ["-visit_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dealer", "repair_order_no"],
                condition=~Q(repair_order_no=""),
                name="visit_repair_order_no",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="visit_amount_not_negative"),
        ]
        indexes = [
            models.Index(fields=["vehicle", "visit_date"], name="visit_vehicle_date"),
            models.Index(fields=["customer", "visit_date"], name="visit_customer_date"),
            models.Index(fields=["dealer", "visit_date"], name="visit_dealer_date"),
        ]

    def __str__(self) -> str:
        return f"{self.vehicle} {self.visit_date} {self.get_visit_type_display()}"

    @property
    def is_paid(self) -> bool:
        return self.visit_type not in choices.VisitType.unpaid()


class MileageCorrection(DealerOwned):
    """An explicit correction of a vehicle's odometer reading (the only way it may go down)."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="corrections")
    effective_date = models.DateField(_("reading date"))
    old_mileage = models.PositiveIntegerField(_("old mileage"))
    new_mileage = models.PositiveIntegerField(_("new mileage"))
    reason = models.CharField(_("reason"), max_length=200)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    corrected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mileage correction")
        verbose_name_plural = _("mileage corrections")

    def __str__(self) -> str:
        return f"{self.vehicle}: {self.old_mileage} → {self.new_mileage}"


class SearchKey(models.Model):
    """One searchable key of a customer (phone tail, plate, VIN tail, name, pinyin).

    Keys are stored so that every kind of search is a prefix range on one index:
    phones and VINs reversed (their tails become prefixes), plates without the province
    character, names as written, pinyin in full and as initials. The first character is the
    kind, so one range never mixes kinds.
    """

    PHONE = "p"
    VIN = "v"
    PLATE = "l"
    NAME = "n"
    PINYIN = "y"
    INITIALS = "i"

    dealer_id = models.BigIntegerField()
    key = models.CharField(max_length=120)
    # Indexed by search_key_unique, which starts with it; the FK's own index would be a
    # duplicate that every key written (~6 a customer) pays for.
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        # customer_id in the index lets a search read the index alone, never the table.
        indexes = [models.Index(fields=["dealer_id", "key", "customer"], name="search_key_prefix")]
        constraints = [
            models.UniqueConstraint(fields=["customer", "key"], name="search_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key


class ImportJob(DealerOwned):
    """An import of a legacy DMS export: uploaded, previewed, run, reported."""

    kind = models.CharField(_("kind"), max_length=20, choices=choices.ImportKind.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    header_row = models.PositiveIntegerField(_("header row"), default=1)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=choices.ImportStatus.choices,
        default=choices.ImportStatus.UPLOADED,
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    rows_created = models.PositiveIntegerField(_("created"), default=0)
    rows_updated = models.PositiveIntegerField(_("updated"), default=0)
    rows_failed = models.PositiveIntegerField(_("failed"), default=0)
    rows_unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rows_skipped = models.PositiveIntegerField(_("skipped"), default=0)
    # The dry run's counts and first rows with their outcome, shown before the import runs.
    preview = models.JSONField(_("preview"), default=dict, blank=True)
    error_file = models.FileField(_("error report"), upload_to="imports/errors/", blank=True)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Moved by every batch: a running job whose heartbeat stopped was interrupted.
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("customers:import_detail", args=[self.pk])

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))
