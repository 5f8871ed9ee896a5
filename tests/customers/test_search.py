"""The one search box: phones, tails, plates, VINs, names, pinyin and companies."""

import pytest

from dcrc.customers.choices import CustomerKind
from dcrc.customers.selectors import customer_search_ids
from tests.factories import make_customer, make_vehicle

pytestmark = pytest.mark.django_db

VIN = "LFV2A21K847321234"


@pytest.fixture
def zhang(dealer_a):
    from dcrc.customers.normalize import vin_check_digit

    vin = VIN[:8] + vin_check_digit(VIN) + VIN[9:]
    customer = make_customer(dealer_a, name="张三", mobile="13812345678")
    make_vehicle(customer, vin=vin, plate="粤A12345")
    customer.vin = vin
    return customer


def search(dealer, query):
    return customer_search_ids(dealer_ids=[dealer.pk], query=query)


@pytest.mark.parametrize(
    "query",
    [
        "13812345678",
        "138 1234 5678",
        "+86 138-1234-5678",
        "5678",
        "345678",
        "粤A12345",
        "A12345",
        "a12345",
        "粤a 12345",
        "张三",
        "张",
        "zhangsan",
        "zhang",
        "zs",
        "ZS",
    ],
)
def test_it_finds_a_customer_by_any_handle(zhang, dealer_a, query):
    assert zhang.pk in search(dealer_a, query)


def test_it_finds_a_customer_by_vin_or_its_tail(zhang, dealer_a):
    for query in (zhang.vin, zhang.vin.lower(), zhang.vin[-6:], zhang.vin[-8:]):
        assert zhang.pk in search(dealer_a, query), query


def test_it_reads_special_surnames_as_surnames(dealer_a):
    zeng = make_customer(dealer_a, name="曾小明")
    shan = make_customer(dealer_a, name="单田芳")
    assert zeng.pk in search(dealer_a, "zengxiaoming")
    assert zeng.pk in search(dealer_a, "zxm")
    assert shan.pk in search(dealer_a, "shantianfang")
    assert shan.pk in search(dealer_a, "stf")


def test_it_finds_a_company_by_part_of_its_name(dealer_a):
    company = make_customer(dealer_a, name="深圳华为技术有限公司", kind=CustomerKind.COMPANY)
    assert company.pk in search(dealer_a, "华为")
    assert company.pk in search(dealer_a, "技术有限")


def test_it_ranks_an_exact_phone_before_a_matching_tail(dealer_a):
    tail = make_customer(dealer_a, mobile="13912345678")
    exact = make_customer(dealer_a, mobile="13812345678")
    assert search(dealer_a, "13812345678") == [exact.pk]
    assert set(search(dealer_a, "5678")) == {tail.pk, exact.pk}


def test_it_ranks_an_exact_name_before_longer_names(dealer_a):
    longer = make_customer(dealer_a, name="张三丰")
    exact = make_customer(dealer_a, name="张三")
    assert search(dealer_a, "张三")[0] == exact.pk
    assert longer.pk in search(dealer_a, "张三")


def test_it_never_finds_another_dealers_customer(zhang, dealer_b):
    other = make_customer(dealer_b, name="张三", mobile="13812345678")
    assert search(dealer_b, "13812345678") == [other.pk]
    assert zhang.pk not in search(dealer_b, "zs")


def test_it_drops_a_merged_customer_from_search(zhang, dealer_a, archive_admin_a):
    from dcrc.customers.services import customer_merge

    kept = make_customer(dealer_a, name="张三", mobile="13812345678")
    customer_merge(target=kept, duplicate=zhang, by=archive_admin_a)
    assert search(dealer_a, "zs") == [kept.pk]
    assert search(dealer_a, "A12345") == [kept.pk]


@pytest.mark.parametrize("query", ["", "   ", "!!!", "12", "a", "\x00", "张" * 200, "%_%"])
def test_it_answers_odd_queries_without_error(zhang, dealer_a, query):
    assert isinstance(search(dealer_a, query), list)
