"""Routes of the agent's workbench and the managers' task pages."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("next/", views.task_next, name="task_next"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/assign/", views.task_assign, name="task_assign"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/claim/", views.task_claim, name="task_claim"),
    path("tasks/<int:pk>/release/", views.task_release, name="task_release"),
    path("tasks/<int:pk>/sms/", views.task_sms, name="task_sms"),
    path("tasks/<int:pk>/reveal/<str:field>/", views.task_reveal, name="task_reveal"),
    path("tasks/<int:pk>/close/", views.task_close, name="task_close"),
    path("team/", views.team, name="team"),
    path("follow-ups/", views.follow_up_list, name="follow_ups"),
]
