"""Routes of the improvement loop (domain §7): weak points, weekly meetings, actions, surveys."""

from django.urls import path

from . import improvement_views as views

urlpatterns = [
    path("weak-points/", views.weak_points, name="weak_points"),
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/actions/", views.meeting_action_add, name="meeting_action_add"),
    path("meetings/<int:pk>/finalise/", views.meeting_finalise, name="meeting_finalise"),
    path("meetings/<int:pk>/refresh/", views.meeting_refresh, name="meeting_refresh"),
    path("meetings/<int:pk>/export/<str:fmt>/", views.meeting_export, name="meeting_export"),
    path("actions/", views.action_list, name="actions"),
    path("actions/new/", views.action_create, name="action_create"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("actions/<int:pk>/start/", views.action_start, name="action_start"),
    path("actions/<int:pk>/done/", views.action_done, name="action_done"),
    path("actions/<int:pk>/verify/", views.action_verify, name="action_verify"),
    path("surveys/", views.survey_list, name="surveys"),
    path("surveys/import/", views.survey_import, name="survey_import"),
    path("surveys/template.xlsx", views.survey_template, name="survey_template"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey"),
]
