from . import urls_hotline

app_name = "care"

# Each area of the contact center keeps its routes in its own module.
urlpatterns: list = [*urls_hotline.urlpatterns]
