"""SMS gateways behind one interface; DCRC_SMS_BACKEND chooses one (docs/hotline-and-sms.md).

- `log`: writes the text to the `dcrc.sms` log and reports it sent (development, demos).
- `aliyun`: Alibaba Cloud SMS (Dysmsapi 2017-05-25) through the official SDK.
- `tencent`: Tencent Cloud SMS (2021-01-11) through the official SDK.

Mainland gateways only send texts from approved templates: a message carries the gateway's
template code and the values of its variables. Settings are read when a message is sent, never
at import time, so tests can point the endpoint at a fake server on 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger("dcrc.sms")


@dataclass(frozen=True)
class OutgoingSms:
    """What a gateway needs to send one message."""

    phone: str  # national digits, "13800138000"
    body: str  # the rendered text (what the customer reads; what the log backend writes)
    sign_name: str  # the approved signature, e.g. 【广州店】 without brackets
    template_code: str  # the gateway's template code ("SMS_123456", "1234567")
    # The template's variables in the order they appear in the text.
    params: dict[str, str] = field(default_factory=dict)


class SmsGatewayError(Exception):
    """The gateway refused or could not be reached; `code` is the gateway's error code."""

    def __init__(self, code: str, message: str = ""):
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.message = message


class SmsBackend(Protocol):
    name: str

    def send(self, sms: OutgoingSms) -> str:
        """Send one message; return the gateway's message id or raise SmsGatewayError."""
        ...


class LogBackend:
    """Writes messages to the log and reports them sent: nothing leaves the machine."""

    name = "log"

    def send(self, sms: OutgoingSms) -> str:
        logger.info("SMS to %s [%s]: %s", sms.phone, sms.sign_name, sms.body)
        return f"log-{uuid.uuid4().hex[:16]}"


def _require(*names: str) -> None:
    missing = [name for name in names if not getattr(settings, name)]
    if missing:
        raise SmsGatewayError("not_configured", "Missing settings: " + ", ".join(missing))


def _template(sms: OutgoingSms) -> str:
    if not sms.template_code:
        raise SmsGatewayError(
            "no_template",
            "The text has no gateway template and DCRC_SMS_FREE_TEXT_TEMPLATE is empty.",
        )
    return sms.template_code


class AliyunBackend:
    """Alibaba Cloud SMS, `SendSms` of Dysmsapi 2017-05-25 (alibabacloud_dysmsapi20170525)."""

    name = "aliyun"
    default_endpoint = "dysmsapi.aliyuncs.com"

    def send(self, sms: OutgoingSms) -> str:
        from alibabacloud_dysmsapi20170525 import models as sms_models
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import models as openapi_models
        from alibabacloud_tea_util import models as util_models

        _require("DCRC_SMS_ACCESS_KEY_ID", "DCRC_SMS_ACCESS_KEY_SECRET")
        template_code = _template(sms)
        client = Client(
            openapi_models.Config(
                access_key_id=settings.DCRC_SMS_ACCESS_KEY_ID,
                access_key_secret=settings.DCRC_SMS_ACCESS_KEY_SECRET,
                region_id=settings.DCRC_SMS_REGION or "cn-hangzhou",
                endpoint=settings.DCRC_SMS_ENDPOINT or self.default_endpoint,
                protocol=settings.DCRC_SMS_PROTOCOL.upper(),
            )
        )
        request = sms_models.SendSmsRequest(
            phone_numbers=sms.phone,
            sign_name=sms.sign_name,
            template_code=template_code,
            template_param=json.dumps(sms.params, ensure_ascii=False) if sms.params else None,
        )
        timeout_ms = settings.DCRC_SMS_TIMEOUT * 1000
        runtime = util_models.RuntimeOptions(
            autoretry=False, connect_timeout=timeout_ms, read_timeout=timeout_ms
        )
        try:
            response = client.send_sms_with_options(request, runtime)
        except Exception as error:  # the SDK raises its own and transport exceptions
            code = getattr(error, "code", None) or type(error).__name__
            raise SmsGatewayError(str(code), str(getattr(error, "message", error))[:180]) from error
        body = response.body
        if body is None or body.code != "OK":
            code = body.code if body is not None else "empty_response"
            raise SmsGatewayError(code or "unknown", (body.message if body else "") or "")
        return body.biz_id or ""


class TencentBackend:
    """Tencent Cloud SMS, `SendSms` of 2021-01-11 (tencentcloud-sdk-python-sms)."""

    name = "tencent"
    default_endpoint = "sms.tencentcloudapi.com"

    def send(self, sms: OutgoingSms) -> str:
        from tencentcloud.common import credential
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import models, sms_client

        _require("DCRC_SMS_ACCESS_KEY_ID", "DCRC_SMS_ACCESS_KEY_SECRET", "DCRC_SMS_SDK_APP_ID")
        template_code = _template(sms)
        http = HttpProfile(
            protocol=settings.DCRC_SMS_PROTOCOL.lower(),
            endpoint=settings.DCRC_SMS_ENDPOINT or self.default_endpoint,
            reqTimeout=settings.DCRC_SMS_TIMEOUT,
        )
        client = sms_client.SmsClient(
            credential.Credential(
                settings.DCRC_SMS_ACCESS_KEY_ID, settings.DCRC_SMS_ACCESS_KEY_SECRET
            ),
            settings.DCRC_SMS_REGION or "ap-guangzhou",
            ClientProfile(httpProfile=http),
        )
        request = models.SendSmsRequest()
        request.PhoneNumberSet = ["+86" + sms.phone]
        request.SmsSdkAppId = settings.DCRC_SMS_SDK_APP_ID
        request.SignName = sms.sign_name
        request.TemplateId = template_code
        request.TemplateParamSet = list(sms.params.values())
        try:
            response = client.SendSms(request)
        except TencentCloudSDKException as error:
            raise SmsGatewayError(
                error.get_code() or "unknown", (error.get_message() or "")[:180]
            ) from error
        statuses = response.SendStatusSet or []
        if not statuses:
            raise SmsGatewayError("empty_response", "No send status returned.")
        status = statuses[0]
        if status.Code != "Ok":
            raise SmsGatewayError(status.Code or "unknown", status.Message or "")
        return status.SerialNo or ""


BACKENDS: dict[str, type] = {
    LogBackend.name: LogBackend,
    AliyunBackend.name: AliyunBackend,
    TencentBackend.name: TencentBackend,
}


def sms_backend() -> SmsBackend:
    """The configured gateway."""
    name = settings.DCRC_SMS_BACKEND
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ImproperlyConfigured(
            f"DCRC_SMS_BACKEND={name!r}; choose one of {', '.join(BACKENDS)}."
        ) from None
