from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Dealer, DealerGroup, Manufacturer, PersonalDataAccess, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "is_active"]
    list_filter = ["role", "is_active", "dealers"]
    filter_horizontal = ["dealers", "groups", "user_permissions"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (
            _("Role and dealers"),
            {
                "fields": [
                    "display_name",
                    "role",
                    "dealers",
                    "dealer_group",
                    "manufacturer",
                    "region",
                    "mobile",
                ]
            },
        ),
    ]


@admin.register(Dealer)
class DealerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "group", "manufacturer", "region"]
    search_fields = ["code", "name"]


admin.site.register(DealerGroup)
admin.site.register(Manufacturer)


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "object_type", "object_id", "row_count", "dealer"]
    list_filter = ["action", "dealer"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
