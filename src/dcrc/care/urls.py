from . import urls_kpi

app_name = "care"

# Each area of the contact center keeps its routes in its own module.
urlpatterns: list = [*urls_kpi.urlpatterns]
