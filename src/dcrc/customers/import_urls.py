from django.urls import path

from . import import_views as views

# Included by customers/urls.py under "imports/", in the "customers" namespace.
urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("upload/", views.import_upload, name="import_upload"),
    path("<int:pk>/", views.import_detail, name="import_detail"),
    path("<int:pk>/mapping/", views.import_mapping, name="import_mapping"),
    path("<int:pk>/preview/", views.import_preview, name="import_preview"),
    path("<int:pk>/run/", views.import_run, name="import_run"),
    path("<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("<int:pk>/errors/", views.import_errors, name="import_errors"),
]
