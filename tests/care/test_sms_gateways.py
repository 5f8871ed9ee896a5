"""The Aliyun and Tencent gateways, through their official SDKs, against a fake server on 127.0.0.1.

The fake server checks each request as the real API would (action, signature scheme, required
parameters) and answers in the vendor's format: success, a business error, or a refusal.
"""

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from dcrc.care import sms
from dcrc.care.choices import SmsStatus
from dcrc.care.models import SmsTemplate

pytestmark = pytest.mark.django_db

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
DAYTIME = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


class FakeGateway:
    """Answers SendSms like Alibaba Cloud (RPC, ACS3 signature) or Tencent Cloud (TC3)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.business_error: str = ""  # answer with this vendor error code
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                status, answer = gateway.answer(self.path, dict(self.headers), body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                # As the vendors answer: Tencent's SDK only reads errors from exactly this type.
                tencent = "X-TC-Action" in self.headers
                content_type = "application/json" if tencent else "application/json;charset=utf-8"
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str, headers: dict, body: str) -> tuple[int, dict]:
        headers = {k.lower(): v for k, v in headers.items()}
        if "x-tc-action" in headers:
            return self._tencent(headers, body)
        return self._aliyun(path, headers)

    def _aliyun(self, path, headers):
        query = {k: v[0] for k, v in parse_qs(urlparse(path).query).items()}
        self.requests.append({"vendor": "aliyun", "headers": headers, "params": query})
        request_id = "A1B2C3D4-0000-0000-0000-000000000000"
        if headers.get("x-acs-action") != "SendSms" or not headers.get(
            "authorization", ""
        ).startswith("ACS3-HMAC-SHA256 Credential=test-key-id,"):
            return 400, {"Code": "InvalidAccessKeyId.NotFound", "RequestId": request_id}
        for required in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not query.get(required):
                return 400, {
                    "Code": f"Missing{required}",
                    "Message": f"{required} is mandatory for this action.",
                    "RequestId": request_id,
                }
        if self.business_error:
            return 200, {
                "Code": self.business_error,
                "Message": "模板不合法(不存在或被拉黑)",
                "RequestId": request_id,
            }
        return 200, {
            "Code": "OK",
            "Message": "OK",
            "BizId": "900619746936498440^0",
            "RequestId": request_id,
        }

    def _tencent(self, headers, body):
        payload = json.loads(body or "{}")
        self.requests.append({"vendor": "tencent", "headers": headers, "params": payload})
        request_id = "a0aabda6-cf91-4f3e-a81f-9198114a2279"
        if not headers.get("authorization", "").startswith(
            "TC3-HMAC-SHA256 Credential=test-key-id/"
        ):
            error = {"Code": "AuthFailure.SecretIdNotFound", "Message": "The SecretId is not found"}
            return 200, {"Response": {"Error": error, "RequestId": request_id}}
        for required in ("PhoneNumberSet", "SmsSdkAppId", "TemplateId"):
            if not payload.get(required):
                error = {
                    "Code": "MissingParameter",
                    "Message": f"The request is missing {required}",
                }
                return 200, {"Response": {"Error": error, "RequestId": request_id}}
        code, message = ("Ok", "send success")
        if self.business_error:
            code, message = (self.business_error, "phone number in sms blacklist")
        statuses = [
            {
                "SerialNo": "2645:342188136617117868330960083",
                "PhoneNumber": phone,
                "Fee": 1,
                "SessionContext": "",
                "Code": code,
                "Message": message,
                "IsoCode": "CN",
            }
            for phone in payload["PhoneNumberSet"]
        ]
        return 200, {"Response": {"SendStatusSet": statuses, "RequestId": request_id}}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    fake = FakeGateway()
    settings.DCRC_SMS_ENDPOINT = f"127.0.0.1:{fake.port}"
    settings.DCRC_SMS_PROTOCOL = "http"
    settings.DCRC_SMS_ACCESS_KEY_ID = "test-key-id"
    settings.DCRC_SMS_ACCESS_KEY_SECRET = "test-key-secret"
    settings.DCRC_SMS_SDK_APP_ID = "1400787878"
    settings.DCRC_SMS_SIGN_NAME = "广州一汽大众"
    settings.DCRC_SMS_TIMEOUT = 5
    yield fake
    fake.close()


@pytest.fixture
def reminder(care_a):
    # The dealer's default maintenance template, given the gateway's template code.
    template, _ = SmsTemplate.objects.update_or_create(
        dealer=care_a,
        code="maintenance",
        defaults={
            "name": "保养提醒",
            "body": "{name}您好，您的爱车{plate}该保养了，预约电话{hotline}。",
            "provider_template": "SMS_154950909",
        },
    )
    return template


def send(customer, template, **fields):
    variables = {"name": customer.name, "plate": "粤A12345", "hotline": "020-88886666"}
    return sms.sms_send(
        dealer_id=customer.dealer_id,
        phone=customer.mobile,
        body=sms.sms_render(template.body, variables),
        customer=customer,
        template=template,
        variables=variables,
        now=DAYTIME,
        **fields,
    )


@pytest.mark.parametrize("backend", ["aliyun", "tencent"])
def test_it_sends_through_the_gateway_template(settings, gateway, customer_a, reminder, backend):
    settings.DCRC_SMS_BACKEND = backend
    message = send(customer_a, reminder)
    assert message.status == SmsStatus.SENT, message.error
    assert message.backend == backend
    assert message.provider_id in {"900619746936498440^0", "2645:342188136617117868330960083"}
    assert message.sent_at is not None
    [request] = gateway.requests
    params = request["params"]
    if backend == "aliyun":
        assert params["PhoneNumbers"] == "13800138000"
        assert params["SignName"] == "广州一汽大众"
        assert params["TemplateCode"] == "SMS_154950909"
        assert json.loads(params["TemplateParam"]) == {
            "name": "张伟",
            "plate": "粤A12345",
            "hotline": "020-88886666",
        }
    else:
        assert params["PhoneNumberSet"] == ["+8613800138000"]
        assert params["SmsSdkAppId"] == "1400787878"
        assert params["SignName"] == "广州一汽大众"
        assert params["TemplateId"] == "SMS_154950909"
        # Tencent's variables are positional: in the order they appear in the text.
        assert params["TemplateParamSet"] == ["张伟", "粤A12345", "020-88886666"]


@pytest.mark.parametrize(
    ("backend", "code"),
    [("aliyun", "isv.SMS_TEMPLATE_ILLEGAL"), ("tencent", "FailedOperation.PhoneNumberInBlacklist")],
)
def test_it_records_a_gateway_refusal(settings, gateway, customer_a, reminder, backend, code):
    settings.DCRC_SMS_BACKEND = backend
    gateway.business_error = code
    message = send(customer_a, reminder)
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert message.error.startswith(code)
    assert message.provider_id == ""


@pytest.mark.parametrize("backend", ["aliyun", "tencent"])
def test_it_records_an_authentication_failure(settings, gateway, customer_a, reminder, backend):
    settings.DCRC_SMS_BACKEND = backend
    settings.DCRC_SMS_ACCESS_KEY_ID = "wrong-key"
    message = send(customer_a, reminder)
    assert message.status == SmsStatus.FAILED
    assert "InvalidAccessKeyId" in message.error or "AuthFailure" in message.error


@pytest.mark.parametrize("backend", ["aliyun", "tencent"])
def test_it_records_an_unreachable_gateway(settings, gateway, customer_a, reminder, backend):
    settings.DCRC_SMS_BACKEND = backend
    gateway.close()
    message = send(customer_a, reminder)
    assert message.status == SmsStatus.FAILED
    assert message.error


@pytest.mark.parametrize("backend", ["aliyun", "tencent"])
def test_it_sends_free_text_through_the_configured_template(settings, gateway, customer_a, backend):
    settings.DCRC_SMS_BACKEND = backend
    text = "张先生您好，您的车已修好，可随时来取。"
    unconfigured = sms.sms_send(
        dealer_id=customer_a.dealer_id, phone=customer_a.mobile, body=text, now=DAYTIME
    )
    assert unconfigured.status == SmsStatus.FAILED
    assert unconfigured.error.startswith("no_template")
    assert gateway.requests == []
    settings.DCRC_SMS_FREE_TEXT_TEMPLATE = "SMS_000001"
    message = sms.sms_send(
        dealer_id=customer_a.dealer_id, phone=customer_a.mobile, body=text, now=DAYTIME
    )
    assert message.status == SmsStatus.SENT
    assert message.customer == customer_a  # found by the number
    params = gateway.requests[-1]["params"]
    if backend == "aliyun":
        assert json.loads(params["TemplateParam"]) == {"content": text}
    else:
        assert params["TemplateParamSet"] == [text]


def test_it_signs_with_the_dealers_own_signature(settings, gateway, customer_a, reminder):
    settings.DCRC_SMS_BACKEND = "aliyun"
    care = customer_a.dealer.care_settings
    care.sms_signature = "广州店"
    care.save()
    send(customer_a, reminder)
    assert gateway.requests[-1]["params"]["SignName"] == "广州店"


def test_it_writes_to_the_log_by_default(settings, customer_a, reminder, caplog):
    assert settings.DCRC_SMS_BACKEND == "log"
    with caplog.at_level("INFO", logger="dcrc.sms"):
        message = send(customer_a, reminder)
    assert message.status == SmsStatus.SENT and message.backend == "log"
    assert "13800138000" in caplog.text and "粤A12345" in caplog.text


def test_it_refuses_an_unknown_backend_name(settings, customer_a, reminder):
    from django.core.exceptions import ImproperlyConfigured

    settings.DCRC_SMS_BACKEND = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured):
        send(customer_a, reminder)
