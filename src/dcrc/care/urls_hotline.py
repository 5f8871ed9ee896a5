"""Routes of the hotline call register and SMS (included by care/urls.py)."""

from django.urls import path

from . import hotline_views, sms_views

urlpatterns = [
    path("calls/", hotline_views.call_list, name="calls"),
    path("calls/new/", hotline_views.call_create, name="call_create"),
    path("calls/lookup/", hotline_views.call_lookup, name="call_lookup"),
    path("calls/badge/", hotline_views.calls_badge, name="calls_badge"),
    path("calls/reply-card/", hotline_views.calls_reply_card, name="calls_reply_card"),
    path("calls/<int:pk>/", hotline_views.call_detail, name="call"),
    path("calls/<int:pk>/edit/", hotline_views.call_edit, name="call_edit"),
    path("calls/<int:pk>/reply/", hotline_views.call_reply, name="call_reply"),
    path("calls/<int:pk>/close/", hotline_views.call_close, name="call_close"),
    path("calls/<int:pk>/recording/", hotline_views.call_recording, name="call_recording"),
    path(
        "calls/<int:pk>/recording/upload/",
        hotline_views.call_recording_upload,
        name="call_recording_upload",
    ),
    path("sms/", sms_views.sms_log, name="sms_log"),
    path("sms/send/", sms_views.sms_compose, name="sms_send"),
    path("sms/templates/", sms_views.template_list, name="sms_templates"),
    path("sms/templates/new/", sms_views.template_create, name="sms_template_create"),
    path("sms/templates/defaults/", sms_views.template_defaults, name="sms_template_defaults"),
    path("sms/templates/<int:pk>/", sms_views.template_edit, name="sms_template_edit"),
]
