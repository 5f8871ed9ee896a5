"""Tenancy (manufacturers, dealer groups, dealers), users with roles, and the access audit."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .choices import AccessAction, Role


class Manufacturer(models.Model):
    """A car maker (厂家) supervising its dealer network."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("manufacturer")
        verbose_name_plural = _("manufacturers")

    def __str__(self) -> str:
        return self.name


class DealerGroup(models.Model):
    """A dealer group (集团) owning several dealers."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("dealer group")
        verbose_name_plural = _("dealer groups")

    def __str__(self) -> str:
        return self.name


class Dealer(models.Model):
    """A dealership (4S店) or authorised service provider: the unit of tenancy."""

    code = models.CharField(_("dealer code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    group = models.ForeignKey(
        DealerGroup,
        verbose_name=_("dealer group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dealers",
    )
    manufacturer = models.ForeignKey(
        Manufacturer,
        verbose_name=_("manufacturer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dealers",
    )
    region = models.CharField(_("region"), max_length=50, blank=True)
    hotline = models.CharField(_("hotline"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("dealer")
        verbose_name_plural = _("dealers")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.short_name or self.name


class User(AbstractUser):
    """A member of staff. Sees the dealers they belong to, their group's or their maker's."""

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    dealers = models.ManyToManyField(
        Dealer, verbose_name=_("dealers"), blank=True, related_name="staff"
    )
    dealer_group = models.ForeignKey(
        DealerGroup,
        verbose_name=_("dealer group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Group managers see every dealer of their group."),
    )
    manufacturer = models.ForeignKey(
        Manufacturer,
        verbose_name=_("manufacturer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Regional managers see the manufacturer's dealers of their region."),
    )
    region = models.CharField(_("region"), max_length=50, blank=True)
    # Where urgent notices (important or overdue complaints) are texted.
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @cached_property
    def dealer_ids(self) -> frozenset[int]:
        """Every dealer this user may see; the single source of tenancy."""
        from .selectors import dealer_ids_for_user

        return dealer_ids_for_user(self)


class PersonalDataAccess(models.Model):
    """Who viewed unmasked or exported personal data, when, and what (PIPL)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    dealer = models.ForeignKey(Dealer, on_delete=models.PROTECT, null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AccessAction.choices)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=1)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at"]
        indexes = [models.Index(fields=["dealer", "-at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.object_type}#{self.object_id}"


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=50)
    prefix = models.CharField(_("prefix"), max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "dcrc_" + secrets.token_urlsafe(32)


class DealerSequence(models.Model):
    """Per-dealer counters for human-readable numbers (owner codes, archive numbers)."""

    dealer = models.ForeignKey(Dealer, on_delete=models.CASCADE)
    name = models.CharField(max_length=30)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dealer", "name"], name="dealer_sequence_name"),
        ]

    def __str__(self) -> str:
        return f"{self.dealer_id}:{self.name}={self.last}"


class Notification(models.Model):
    """An in-app notice to one user (an important complaint, an overdue deadline)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    dealer = models.ForeignKey(Dealer, on_delete=models.CASCADE, null=True, blank=True)
    # What the notice is about, unique per user: a job that runs twice notifies once.
    key = models.CharField(max_length=100)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_user_key"),
        ]
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["user", "-created_at"], name="notification_user_time"),
        ]

    def __str__(self) -> str:
        return self.title
