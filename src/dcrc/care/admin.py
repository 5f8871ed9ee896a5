from django.contrib import admin

from . import models


@admin.register(models.Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """The holiday table extends chinese-calendar beyond the years it knows."""

    list_display = ["date", "name", "dealer", "is_workday", "greeting"]
    list_filter = ["dealer", "is_workday", "greeting"]
    date_hierarchy = "date"


@admin.register(models.CareSettings)
class CareSettingsAdmin(admin.ModelAdmin):
    list_display = ["dealer", "max_attempts", "sms_fallback", "reply_deadline_hours"]


@admin.register(models.CareRule)
class CareRuleAdmin(admin.ModelAdmin):
    list_display = ["dealer", "kind", "enabled", "offset_days", "lead_days", "priority", "channel"]
    list_filter = ["dealer", "kind", "enabled"]


@admin.register(models.MaintenanceSchedule)
class MaintenanceScheduleAdmin(admin.ModelAdmin):
    list_display = ["dealer", "brand", "series", "first_km", "first_months", "interval_km"]


@admin.register(models.InspectionRule)
class InspectionRuleAdmin(admin.ModelAdmin):
    list_display = ["dealer", "usage", "start_month", "end_month", "every_months"]


@admin.register(models.Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["dealer", "kind", "code", "title", "starts_on", "ends_on", "active"]
    list_filter = ["dealer", "kind", "active"]


@admin.register(models.PlanRun)
class PlanRunAdmin(admin.ModelAdmin):
    """What each daily plan created and closed; read-only."""

    list_display = ["dealer", "run_on", "started_at", "finished_at", "closed", "plans_refreshed"]
    list_filter = ["dealer", "run_on"]
    readonly_fields = [field.name for field in models.PlanRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
