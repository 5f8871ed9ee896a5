"""URLs of appointments (included by service/urls.py under the "service" namespace)."""

urlpatterns: list = []
