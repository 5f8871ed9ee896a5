"""URLs of reception and repair orders (included by service/urls.py under "service")."""

from django.urls import path

from . import views_orders as views

urlpatterns: list = [
    path("", views.order_list, name="orders"),
    path("new/", views.reception, name="reception"),
    path("new/lookup/", views.reception_lookup, name="reception_lookup"),
    path("new/vehicle/<int:pk>/", views.reception_vehicle, name="reception_vehicle"),
    path("desk/", views.advisor_board, name="advisor_board"),
    path("<int:pk>/", views.order_detail, name="order"),
    path("<int:pk>/edit/", views.order_edit, name="order_edit"),
    path("<int:pk>/labour/", views.labour_search, name="order_labour_search"),
    path("<int:pk>/parts/", views.part_search, name="order_part_search"),
    path("<int:pk>/jobs/", views.job_line_add, name="order_job_add"),
    path("<int:pk>/jobs/<int:line>/", views.job_line_change, name="order_job_change"),
    path("<int:pk>/jobs/<int:line>/remove/", views.job_line_remove, name="order_job_remove"),
    path("<int:pk>/part-lines/", views.part_line_add, name="order_part_add"),
    path("<int:pk>/part-lines/<int:line>/", views.part_line_change, name="order_part_change"),
    path(
        "<int:pk>/part-lines/<int:line>/remove/",
        views.part_line_remove,
        name="order_part_remove",
    ),
    path("<int:pk>/estimate/", views.order_estimate, name="order_estimate"),
    path("<int:pk>/confirm/", views.order_confirm, name="order_confirm"),
    path("<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("<int:pk>/release/", views.order_release, name="order_release"),
]
