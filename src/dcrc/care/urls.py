from django.urls import path  # noqa: F401

app_name = "care"

# Each area of the contact center keeps its routes in its own module.
urlpatterns: list = []
