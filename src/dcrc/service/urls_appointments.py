"""URLs of appointments (included by service/urls.py under the "service" namespace)."""

from django.urls import path

from . import views_appointments as views

urlpatterns: list = [
    path("", views.appointment_list, name="appointments"),
    path("new/", views.appointment_new, name="appointment_new"),
    path("lookup/", views.appointment_lookup, name="appointment_lookup"),
    path("slots/", views.appointment_slot_picker, name="appointment_slots"),
    path("no-shows/", views.no_show_list, name="appointment_no_shows"),
    path("settings/", views.booking_settings, name="appointment_settings"),
    path("<int:pk>/", views.appointment_detail, name="appointment"),
    path("<int:pk>/edit/", views.appointment_edit, name="appointment_edit"),
    path("<int:pk>/cancel/", views.appointment_cancel, name="appointment_cancel"),
]
