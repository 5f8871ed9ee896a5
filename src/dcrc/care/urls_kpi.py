"""Routes of the KPI page, the contact-center settings and the customer's contact history."""

from django.urls import path

from . import history_views, kpi_views, settings_views

urlpatterns = [
    path("kpis/", kpi_views.kpi_page, name="kpis"),
    path("kpis/export/", kpi_views.kpi_export, name="kpis_export"),
    path("customers/<int:pk>/history/", history_views.customer_history, name="customer_history"),
    path("settings/", settings_views.settings_general, name="settings"),
    path("settings/rules/", settings_views.settings_rules, name="settings_rules"),
    path("settings/rules/<int:pk>/", settings_views.settings_rule, name="settings_rule"),
    path("settings/<slug:name>/", settings_views.settings_list, name="settings_list"),
    path("settings/<slug:name>/new/", settings_views.settings_edit, name="settings_create"),
    path("settings/<slug:name>/<int:pk>/", settings_views.settings_edit, name="settings_edit"),
    path(
        "settings/<slug:name>/<int:pk>/delete/",
        settings_views.settings_delete,
        name="settings_delete",
    ),
]
