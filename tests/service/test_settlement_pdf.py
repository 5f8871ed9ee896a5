"""The printouts: repair order, estimate with the signature, settlement statement, as A4 PDF
whose text is extractable and Chinese."""

import base64
import io
import struct
import zlib
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from dcrc.core.choices import AccessAction
from dcrc.core.models import PersonalDataAccess
from dcrc.service import orders, settlement
from dcrc.service.choices import PaymentMethod
from tests.conftest import login
from tests.factories import make_ready_order


def _png(width=40, height=16) -> str:
    """A small black-on-white PNG as the signature pad sends it (data URI)."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(
        b"\x00" + b"".join(bytes([0 if (x + y) % 7 == 0 else 255] * 3) for x in range(width))
        for y in range(height)
    )
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()


def _text(content: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(content))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", ""), reader


@pytest.fixture
def settled(order_a, advisor_a, cashier_a, oil_change, oil_filter):
    order = make_ready_order(order_a, advisor_a, labour_items=[oil_change], parts=[(oil_filter, 1)])
    order = settlement.repair_order_presettle(
        order=order,
        by=advisor_a,
        fees={"materials_fee": Decimal("12.00")},
        discount=Decimal("0.50"),
        discount_reason="老客户抹零",
    )
    return settlement.repair_order_settle(
        order=order,
        by=cashier_a,
        payments={PaymentMethod.WECHAT: Decimal("100.00"), PaymentMethod.CASH: Decimal("50")},
        invoice_no="44009876",
        on_account_reason="余款月结",
    )


def test_it_prints_the_settlement_statement_in_chinese(client, settled, cashier_a):
    login(client, cashier_a)

    response = client.get(reverse("service:order_print", args=[settled.pk, "statement"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text, reader = _text(response.content)
    assert "张伟" in text and "粤A12345" in text
    assert "更换机油机滤" in text and "机油滤清器" in text
    assert "老客户抹零" in text and "余款月结" in text and "44009876" in text
    assert "169.50" in text and "150.00" in text and "19.50" in text  # total, received, owed
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width)), round(float(height))) == (595, 842)
    access = PersonalDataAccess.objects.get(object_id=settled.pk)
    assert (access.user, access.action) == (cashier_a, AccessAction.EXPORT)


def test_it_prints_the_repair_order(client, order_a, advisor_a, oil_change):
    orders.job_line_add(order=order_a, labour_item=oil_change, by=advisor_a)
    login(client, advisor_a)

    response = client.get(reverse("service:order_print", args=[order_a.pk, "order"]))

    text, _reader = _text(response.content)
    assert "保养，仪表提示保养" in text and "更换机油机滤" in text and "服务顾问李明" in text


def test_it_prints_the_estimate_with_the_captured_signature(client, order_a, advisor_a, oil_change):
    orders.job_line_add(order=order_a, labour_item=oil_change, by=advisor_a)
    orders.repair_order_estimate(order=order_a, by=advisor_a)
    orders.repair_order_confirm(order=order_a, by=advisor_a, signature=_png())
    login(client, advisor_a)

    response = client.get(reverse("service:order_print", args=[order_a.pk, "estimate"]))

    text, reader = _text(response.content)
    assert "更换机油机滤" in text and "90.00" in text
    assert "张伟" in text
    assert any(page.images for page in reader.pages)  # the signature is drawn on it


def test_an_unknown_printout_is_not_found(client, order_a, advisor_a):
    login(client, advisor_a)
    assert client.get(reverse("service:order_print", args=[order_a.pk, "x"])).status_code == 404
