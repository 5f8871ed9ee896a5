from django.contrib import admin

from . import models


@admin.register(models.ComplaintSettings)
class ComplaintSettingsAdmin(admin.ModelAdmin):
    list_display = ["dealer", "first_response_hours", "large_loss_amount", "manufacturer_email"]


class ComplaintEventInline(admin.TabularInline):
    model = models.ComplaintEvent
    fields = ["at", "action", "from_state", "to_state", "escalation", "by", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(models.Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-mostly: complaints move only through the service (and so their log)."""

    list_display = ["number", "dealer", "registered_at", "category", "severity", "state"]
    list_filter = ["dealer", "state", "escalation", "category", "severity", "is_important"]
    search_fields = ["number", "subject", "contact_name"]
    date_hierarchy = "registered_at"
    raw_id_fields = [
        "customer",
        "vehicle",
        "inbound_call",
        "contact_task",
        "service_visit",
        "follow_up_task",
    ]
    readonly_fields = ["state", "escalation"]
    inlines = [ComplaintEventInline]


@admin.register(models.WeeklyMeeting)
class WeeklyMeetingAdmin(admin.ModelAdmin):
    list_display = ["dealer", "week_start", "state", "held_at"]
    list_filter = ["dealer", "state"]


@admin.register(models.ImprovementAction)
class ImprovementActionAdmin(admin.ModelAdmin):
    list_display = ["dealer", "weak_point", "owner", "due_date", "status"]
    list_filter = ["dealer", "status", "department"]


class SurveyItemInline(admin.TabularInline):
    model = models.SurveyItem
    fields = ["code", "name", "score", "target", "is_key"]
    extra = 0


@admin.register(models.SatisfactionSurvey)
class SatisfactionSurveyAdmin(admin.ModelAdmin):
    list_display = ["dealer", "kind", "month", "overall_score"]
    list_filter = ["dealer", "kind"]
    inlines = [SurveyItemInline]
