"""The REST API (django-ninja): OpenAPI at /api/openapi.json, docs at /api/docs."""

from ninja import NinjaAPI

api = NinjaAPI(title="DCRC API", version="1", urls_namespace="api")
