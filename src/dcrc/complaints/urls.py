from django.urls import path

from . import board_views, settings_views

app_name = "complaints"

urlpatterns: list = [
    # The list, the manager dashboard and the settings (board_views.py, settings_views.py).
    path("", board_views.complaint_list, name="list"),
    path("dashboard/", board_views.complaint_dashboard, name="dashboard"),
    path("settings/", settings_views.settings_edit, name="settings"),
]
