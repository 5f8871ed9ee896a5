from . import urls_hotline, urls_kpi, urls_workbench

app_name = "care"

# Each area of the contact center keeps its routes in its own module.
urlpatterns: list = [
    *urls_workbench.urlpatterns,
    *urls_hotline.urlpatterns,
    *urls_kpi.urlpatterns,
]
