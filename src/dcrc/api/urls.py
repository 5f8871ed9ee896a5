"""The REST API (django-ninja): OpenAPI at /api/openapi.json, docs at /api/docs.

Callers authenticate with a personal token (`Authorization: Bearer <key>`, made on the
"API tokens" page); the browser session works too, for trying the API in the docs.
"""

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from . import appointments, auth, care, complaints, customers, errors, orders, parts

DESCRIPTION = """
The DCRC customer archive, complaints, hotline telephony events and SMS gateway reports. Authenticate with `Authorization: Bearer <key>`; make a key on the
"API tokens" page.

You see the rows of the dealers you work for (or supervise) only: another dealer's id answers
404. Phone and ID numbers are masked unless you pass `unmask=true` and your role may see them;
every unmasked read is logged. Invalid input answers 422 with one entry per field:
`{"detail": [{"loc": ["body", "payload", "mobile"], "msg": "…", "type": "value_error"}]}`.
"""


class UnicodeJSONRenderer(JSONRenderer):
    """Chinese text as UTF-8 rather than \\u escapes: half the bytes, and readable."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="DCRC API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[auth.TokenAuth(), auth.SessionAuth()],
    renderer=UnicodeJSONRenderer(),
)
errors.register(api)
api.add_router("", auth.router)
api.add_router("/customers", customers.customers)
api.add_router("/vehicles", customers.vehicles)
api.add_router("/search", customers.search)
api.add_router("/telephony", care.telephony)
api.add_router("/sms", care.sms_gateway)
api.add_router("/complaints", complaints.complaints)
api.add_router("/appointments", appointments.appointments)
api.add_router("/parts", parts.parts)
api.add_router("/repair-orders", orders.repair_orders)
