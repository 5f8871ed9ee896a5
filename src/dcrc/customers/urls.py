from django.urls import include, path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export/", views.customer_export, name="export"),
    path("new/", views.customer_create, name="create"),
    path("pick/", views.customer_picker, name="picker"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/merge/", views.customer_merge, name="merge"),
    path("<int:pk>/photo/", views.customer_photo, name="photo"),
    path("<int:pk>/reveal/<str:field>/", views.customer_reveal, name="reveal"),
    path("<int:customer_pk>/vehicles/new/", views.vehicle_create, name="vehicle_create"),
    path("<int:customer_pk>/visits/new/", views.visit_create, name="visit_create"),
    path("vehicles/<int:pk>/edit/", views.vehicle_edit, name="vehicle_edit"),
    path("vehicles/<int:pk>/transfer/", views.vehicle_transfer, name="vehicle_transfer"),
    path("vehicles/<int:pk>/mileage/", views.mileage_correct, name="mileage_correct"),
    path("imports/", include("dcrc.customers.import_urls")),
]
