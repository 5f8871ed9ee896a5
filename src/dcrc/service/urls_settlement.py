"""URLs of settlement (included by service/urls.py under the "service" namespace)."""

from django.urls import path

from . import views_settlement as views

urlpatterns = [
    path("cashier/", views.cashier_queue, name="cashier"),
    path("settlement/<int:pk>/", views.order_settlement, name="settlement"),
    path("settlement/<int:pk>/presettle/", views.presettle, name="presettle"),
    path("settlement/<int:pk>/presettle/undo/", views.presettle_undo, name="presettle_undo"),
    path("settlement/<int:pk>/settle/", views.settle, name="settle"),
    path("settlement/<int:pk>/payments/", views.payment_add, name="payment_add"),
    path("settlement/<int:pk>/invoice/", views.invoice_set, name="invoice_set"),
    path("settlement/<int:pk>/print/<str:kind>.pdf", views.order_print, name="order_print"),
]
