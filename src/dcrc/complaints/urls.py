from django.urls import include, path

from . import board_views, figures_views, settings_views, views

app_name = "complaints"

urlpatterns: list = [
    path("", board_views.complaint_list, name="list"),
    path("dashboard/", board_views.complaint_dashboard, name="dashboard"),
    path("figures/", figures_views.figures_page, name="figures"),
    path("figures/export/", figures_views.figures_export, name="figures_export"),
    path("settings/", settings_views.settings_edit, name="settings"),
    path("new/", views.complaint_new, name="new"),
    path("lookup/", views.complaint_lookup, name="lookup"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/move/", views.complaint_move, name="move"),
    path("<int:pk>/assign/", views.complaint_assign, name="assign"),
    path("<int:pk>/note/", views.complaint_note, name="note"),
    path("<int:pk>/customer/", views.complaint_link_customer, name="link_customer"),
    path("<int:pk>/edit/", views.complaint_edit, name="edit"),
    path("improvement/", include("dcrc.complaints.urls_improvement")),
]
