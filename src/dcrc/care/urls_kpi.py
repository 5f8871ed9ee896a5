from django.urls import path

from . import kpi_views

urlpatterns = [
    path("kpis/", kpi_views.kpi_page, name="kpis"),
    path("kpis/export/", kpi_views.kpi_export, name="kpis_export"),
]
