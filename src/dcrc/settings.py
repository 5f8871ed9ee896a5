"""Settings for DCRC, driven by environment variables (twelve-factor).

Everything an operator may change is read from the environment; see docs/configuration.md.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

PROJECT_DIR = Path(__file__).resolve().parent
BASE_DIR = PROJECT_DIR.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DCRC_DEBUG", default=False)
# The fallback key only serves the embedded demo; production sets DCRC_SECRET_KEY.
SECRET_KEY = env("DCRC_SECRET_KEY", default="dcrc-embedded-demo-key-change-me-in-production")
ALLOWED_HOSTS = env.list("DCRC_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DCRC_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "auditlog",
    "rules.apps.AutodiscoverRulesConfig",
    "dcrc.core",
    "dcrc.customers",
    "dcrc.care",
    "dcrc.complaints",
    "dcrc.parts",
    "dcrc.service",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dcrc.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "dcrc.core.middleware.CurrentDealerMiddleware",
]

ROOT_URLCONF = "dcrc.urls"
WSGI_APPLICATION = "dcrc.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dcrc.core.context_processors.dealer",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'dcrc.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while an import writes; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        " PRAGMA cache_size=-65536; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": env("DCRC_SQLITE_TEST_NAME", default="")}
    if not DATABASES["default"]["TEST"]["NAME"]:
        del DATABASES["default"]["TEST"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DCRC_DB_CONN_MAX_AGE", default=60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "dcrc.core.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PROJECT_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [PROJECT_DIR / "static"]
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end packages come from npm (package.json); only their dist folders are collected.
for prefix, dist in [
    ("vendor/tabler/css", NODE_MODULES / "@tabler" / "core" / "dist" / "css"),
    ("vendor/tabler/js", NODE_MODULES / "@tabler" / "core" / "dist" / "js"),
    ("vendor/tabler-icons", NODE_MODULES / "@tabler" / "icons-webfont" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]:
    if dist.exists():
        STATICFILES_DIRS.append((prefix, dist))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage",
    },
}
# Serve straight from the finders when collectstatic has not run (tests, development).
WHITENOISE_USE_FINDERS = env.bool("DCRC_STATIC_FINDERS", default=not STATIC_ROOT.exists())
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("DCRC_MEDIA_ROOT", default=VAR_DIR / "media")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_SECURE = env.bool("DCRC_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

CELERY_BROKER_URL = env("DCRC_REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = TIME_ZONE

# Jobs (imports) run on a thread of the web process in the embedded default, on Celery otherwise.
DCRC_JOBS_BACKEND = env("DCRC_JOBS_BACKEND", default="thread")

# The daily contact plan: when the embedded scheduler (or Celery beat) runs it, local time.
DCRC_PLAN_TIME = env("DCRC_PLAN_TIME", default="06:00")
# "embedded": `dcrc serve` also runs the scheduler; "off": Celery beat does (production).
DCRC_SCHEDULER = env("DCRC_SCHEDULER", default="embedded")
CELERY_BEAT_SCHEDULE = {
    "plan-all-dealers": {
        "task": "care.plan_all",
        "schedule": crontab(
            hour=int(DCRC_PLAN_TIME.split(":")[0]), minute=int(DCRC_PLAN_TIME.split(":")[1])
        ),
    },
    # SMS held back by quiet hours or the rate limit go out once they may.
    "sms-deferred-send": {"task": "care.sms_deferred_send", "schedule": 60.0},
    # Owners of complaints past a deadline are told once per deadline.
    "complaints-overdue-notify": {"task": "complaints.overdue_notify", "schedule": 60.0},
    # Missed appointments become no-shows; tomorrow's bookings get their reminder call.
    "appointments-daily": {"task": "service.appointments_daily", "schedule": 60.0},
}

NINJA_PAGINATION_PER_PAGE = 20

# Hotline recordings (mp3/wav/m4a) attached to calls; served only through a checked view.
DCRC_RECORDING_MAX_MB = env.int("DCRC_RECORDING_MAX_MB", default=20)

# SMS gateway (docs/hotline-and-sms.md): "log" writes messages to the log and marks them sent;
# "aliyun" and "tencent" use the official SDKs. The endpoint is the vendor's unless set (tests
# point it at a fake server on 127.0.0.1).
# E-mail notices (important and overdue complaints): smtp+tls://user:pass@host:587 or the
# console (the default prints mails to the log).
EMAIL_CONFIG = env.email_url("DCRC_EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DCRC_EMAIL_FROM", default="dcrc@localhost")
# The address staff reach DCRC at: links in e-mails point there.
DCRC_BASE_URL = env("DCRC_BASE_URL", default="http://127.0.0.1:8000")

DCRC_SMS_BACKEND = env("DCRC_SMS_BACKEND", default="log")
DCRC_SMS_ACCESS_KEY_ID = env("DCRC_SMS_ACCESS_KEY_ID", default="")
DCRC_SMS_ACCESS_KEY_SECRET = env("DCRC_SMS_ACCESS_KEY_SECRET", default="")
DCRC_SMS_SIGN_NAME = env("DCRC_SMS_SIGN_NAME", default="")
DCRC_SMS_REGION = env("DCRC_SMS_REGION", default="")
DCRC_SMS_ENDPOINT = env("DCRC_SMS_ENDPOINT", default="")
DCRC_SMS_PROTOCOL = env("DCRC_SMS_PROTOCOL", default="https")
DCRC_SMS_SDK_APP_ID = env("DCRC_SMS_SDK_APP_ID", default="")
# Gateway template for texts without their own (free text typed by an agent): one variable
# {content} (Aliyun: ${content}; Tencent: {1}). Empty: free text cannot go through a gateway.
DCRC_SMS_FREE_TEXT_TEMPLATE = env("DCRC_SMS_FREE_TEXT_TEMPLATE", default="")
DCRC_SMS_TIMEOUT = env.int("DCRC_SMS_TIMEOUT", default=10)

AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DCRC_LOG_LEVEL", default="WARNING")},
}

if DEBUG:
    INTERNAL_IPS = ["127.0.0.1"]
