from django.contrib import admin

from .models import MembershipLevel


@admin.register(MembershipLevel)
class MembershipLevelAdmin(admin.ModelAdmin):
    """Membership classes are configuration; customers are edited in the DCRC screens."""

    list_display = ["dealer", "number", "name", "labour_discount_pct", "parts_discount_pct"]
    list_filter = ["dealer"]
