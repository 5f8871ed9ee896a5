"""After-sales URLs: one module per area, all under the "service" namespace."""

from django.urls import include, path

from . import urls_appointments, urls_orders, urls_settlement, urls_workshop

app_name = "service"
urlpatterns = [
    path("appointments/", include(urls_appointments.urlpatterns)),
    path("orders/", include(urls_orders.urlpatterns)),
    path("workshop/", include(urls_workshop.urlpatterns)),
    path("", include(urls_settlement.urlpatterns)),
]
