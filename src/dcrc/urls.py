from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dcrc.api.urls import api
from dcrc.core import notification_views
from dcrc.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="core/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("dealer/", core_views.switch_dealer, name="switch_dealer"),
    path("audit/", core_views.audit_log, name="audit_log"),
    path("tokens/", core_views.api_tokens, name="api_tokens"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/read/", notification_views.notifications_read, name="notifications_read"),
    path("notifications/bell/", notification_views.notification_bell, name="notifications_bell"),
    path(
        "notifications/<int:pk>/",
        notification_views.notification_open,
        name="notification_open",
    ),
    path("customers/", include("dcrc.customers.urls")),
    path("care/", include("dcrc.care.urls")),
    path("complaints/", include("dcrc.complaints.urls")),
    path("service/", include("dcrc.service.urls")),
    path("parts/", include("dcrc.parts.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
