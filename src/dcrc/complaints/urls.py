from django.urls import include, path

app_name = "complaints"

urlpatterns: list = [
    path("improvement/", include("dcrc.complaints.urls_improvement")),
]
