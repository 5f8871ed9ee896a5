"""URLs of workshop (included by service/urls.py under the "service" namespace)."""

from django.urls import path

from . import views_workshop as views

urlpatterns = [
    path("", views.kanban, name="workshop_kanban"),
    path("orders/<int:pk>/", views.order_workshop, name="workshop_order"),
    path("orders/<int:pk>/dispatch/", views.order_dispatch, name="workshop_dispatch"),
    path("orders/<int:pk>/qc/", views.qc_check, name="workshop_qc"),
    path("my/", views.my_jobs, name="workshop_my_jobs"),
    path("lines/<int:pk>/start/", views.line_start, name="workshop_line_start"),
    path("lines/<int:pk>/finish/", views.line_finish, name="workshop_line_finish"),
    path("qc/", views.qc_list, name="workshop_qc_list"),
    path("tools/", views.tools, name="workshop_tools"),
    path("tools/<int:pk>/checkout/", views.tool_checkout, name="workshop_tool_checkout"),
    path("checkouts/<int:pk>/checkin/", views.tool_checkin, name="workshop_tool_checkin"),
    path("stations/", views.stations, name="workshop_stations"),
    path("stations/new/", views.station_edit, name="workshop_station_new"),
    path("stations/<int:pk>/", views.station_edit, name="workshop_station_edit"),
    path("labour/", views.labour_items, name="workshop_labour"),
    path("labour/new/", views.labour_item_edit, name="workshop_labour_new"),
    path("labour/<int:pk>/", views.labour_item_edit, name="workshop_labour_edit"),
]
