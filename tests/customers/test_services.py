"""The archive's write rules, exercised through the services every screen and import uses."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dcrc.customers import services
from dcrc.customers.choices import OwnershipReason, VisitType
from dcrc.customers.models import (
    Customer,
    MileageCorrection,
    SearchKey,
    ServiceVisit,
    VehicleOwnership,
)
from tests.factories import make_customer, make_vehicle, random_vin

pytestmark = pytest.mark.django_db


def test_it_normalises_messy_contact_data(dealer_a):
    customer = services.customer_create(
        dealer=dealer_a,
        name="  张 三 ",
        mobile="+86 １３８-１２３４-５６７８",
        home_phone="（020）8765 4321",
        id_number="11010519491231002x",
    )
    assert customer.name == "张 三"
    assert customer.mobile == "13812345678"
    assert customer.home_phone == "02087654321"
    assert customer.id_number == "11010519491231002X"
    assert customer.birthday == datetime.date(1949, 12, 31)
    assert customer.gender == "female"
    assert customer.owner_code == "C0000001"


def test_it_refuses_invalid_identifiers_with_one_message_per_field(dealer_a):
    with pytest.raises(ValidationError) as raised:
        services.customer_create(
            dealer=dealer_a,
            name="",
            mobile="020-87654321",
            id_number="110105194912310021",
            email="not-an-email",
        )
    errors = raised.value.message_dict
    assert set(errors) == {"name", "mobile", "id_number", "email"}
    assert Customer.objects.count() == 0


def test_it_numbers_owner_codes_per_dealer(dealer_a, dealer_b):
    codes = [make_customer(dealer_a).owner_code for _ in range(2)]
    assert codes == ["C0000001", "C0000002"]
    assert make_customer(dealer_b).owner_code == "C0000001"


def test_it_refuses_a_second_vehicle_with_the_same_vin(dealer_a):
    owner = make_customer(dealer_a)
    vin = random_vin()
    make_vehicle(owner, vin=vin)
    with pytest.raises(ValidationError) as raised:
        make_vehicle(owner, vin=vin.lower())
    assert "vin" in raised.value.message_dict


def test_it_refuses_a_vin_with_a_wrong_check_digit(dealer_a):
    owner = make_customer(dealer_a)
    vin = random_vin()
    wrong = vin[:8] + ("1" if vin[8] != "1" else "2") + vin[9:]
    with pytest.raises(ValidationError) as raised:
        make_vehicle(owner, vin=wrong)
    assert "vin" in raised.value.message_dict


def test_it_transfers_a_vehicle_and_keeps_its_history(dealer_a):
    seller, buyer = make_customer(dealer_a), make_customer(dealer_a)
    vehicle = make_vehicle(seller, plate="粤A12345", purchase_date=datetime.date(2021, 3, 1))
    services.vehicle_transfer(vehicle=vehicle, new_owner=buyer, date=datetime.date(2024, 6, 1))

    vehicle.refresh_from_db()
    assert vehicle.owner == buyer
    history = list(VehicleOwnership.objects.filter(vehicle=vehicle).order_by("start_date"))
    assert [(o.customer, o.start_date, o.end_date) for o in history] == [
        (seller, datetime.date(2021, 3, 1), datetime.date(2024, 6, 1)),
        (buyer, datetime.date(2024, 6, 1), None),
    ]
    assert history[1].reason == OwnershipReason.TRANSFER
    plate_key = SearchKey.PLATE + "A12345"
    assert list(SearchKey.objects.filter(key=plate_key).values_list("customer", flat=True)) == [
        buyer.pk
    ]


def test_it_refuses_a_transfer_dated_before_the_current_ownership(dealer_a):
    seller, buyer = make_customer(dealer_a), make_customer(dealer_a)
    vehicle = make_vehicle(seller, purchase_date=datetime.date(2023, 1, 1))
    with pytest.raises(ValidationError):
        services.vehicle_transfer(vehicle=vehicle, new_owner=buyer, date=datetime.date(2022, 1, 1))


def test_it_refuses_a_transfer_to_another_dealers_customer(dealer_a, dealer_b):
    vehicle = make_vehicle(make_customer(dealer_a))
    with pytest.raises(ValidationError):
        services.vehicle_transfer(
            vehicle=vehicle, new_owner=make_customer(dealer_b), date=datetime.date(2024, 1, 1)
        )


def test_it_merges_a_duplicate_into_the_kept_customer(dealer_a, archive_admin_a):
    kept = make_customer(dealer_a, name="李四", mobile="13912345678")
    duplicate = make_customer(
        dealer_a, name="李四", mobile="13912345678", address="天河区中山大道1号"
    )
    vehicle = make_vehicle(duplicate)
    services.service_visit_record(
        vehicle=vehicle,
        visit_date=datetime.date(2024, 5, 1),
        mileage=5000,
        visit_type=VisitType.PERIODIC_MAINTENANCE,
        amount=Decimal("680.00"),
    )

    services.customer_merge(target=kept, duplicate=duplicate, by=archive_admin_a)

    kept.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == kept
    assert list(kept.vehicles.all()) == [vehicle]
    assert kept.address == "天河区中山大道1号"
    assert kept.visit_count == 1 and kept.total_spend == Decimal("680.00")
    assert ServiceVisit.objects.get().customer == kept
    assert not SearchKey.objects.filter(customer=duplicate).exists()
    assert list(Customer.objects.current()) == [kept]


def test_it_refuses_to_merge_a_customer_with_itself(dealer_a, archive_admin_a):
    customer = make_customer(dealer_a)
    with pytest.raises(ValidationError):
        services.customer_merge(target=customer, duplicate=customer, by=archive_admin_a)


def _visit(vehicle, day, mileage, **fields):
    fields.setdefault("visit_type", VisitType.PERIODIC_MAINTENANCE)
    return services.service_visit_record(vehicle=vehicle, visit_date=day, mileage=mileage, **fields)


def test_it_keeps_visit_aggregates_of_the_customer(dealer_a):
    owner = make_customer(dealer_a)
    vehicle = make_vehicle(owner)
    _visit(vehicle, datetime.date(2024, 1, 10), 3000, visit_type=VisitType.FIRST_MAINTENANCE)
    _visit(vehicle, datetime.date(2024, 7, 10), 9000, amount=Decimal("880.50"))
    _visit(vehicle, datetime.date(2024, 9, 1), 11000, amount=Decimal("120.25"))

    owner.refresh_from_db()
    vehicle.refresh_from_db()
    assert owner.visit_count == 3
    assert owner.paid_visit_count == 2  # free first maintenance is not a paid visit
    assert owner.total_spend == Decimal("1000.75")
    assert owner.last_visit_date == datetime.date(2024, 9, 1)
    assert (vehicle.mileage, vehicle.mileage_date) == (11000, datetime.date(2024, 9, 1))
    assert vehicle.first_service_date == datetime.date(2024, 1, 10)


def test_it_updates_a_visit_recorded_again_under_the_same_repair_order(dealer_a):
    vehicle = make_vehicle(make_customer(dealer_a))
    _, created = _visit(vehicle, datetime.date(2024, 3, 1), 5000, repair_order_no="RO1")
    visit, created_again = _visit(
        vehicle, datetime.date(2024, 3, 1), 5100, repair_order_no="RO1", amount=Decimal("99")
    )
    assert (created, created_again) == (True, False)
    assert ServiceVisit.objects.count() == 1
    assert visit.mileage == 5100


def test_it_refuses_an_odometer_reading_lower_than_an_earlier_one(dealer_a):
    vehicle = make_vehicle(make_customer(dealer_a))
    _visit(vehicle, datetime.date(2024, 3, 1), 20000)
    with pytest.raises(ValidationError) as raised:
        _visit(vehicle, datetime.date(2024, 6, 1), 15000)
    assert "mileage" in raised.value.message_dict
    assert ServiceVisit.objects.count() == 1


def test_it_refuses_a_backdated_reading_higher_than_a_later_one(dealer_a):
    vehicle = make_vehicle(make_customer(dealer_a))
    _visit(vehicle, datetime.date(2024, 6, 1), 20000)
    _visit(vehicle, datetime.date(2024, 1, 1), 10000)  # fits between purchase and June
    with pytest.raises(ValidationError):
        _visit(vehicle, datetime.date(2024, 3, 1), 25000)


def test_it_records_a_lower_reading_with_an_explicit_correction(dealer_a, archive_admin_a):
    vehicle = make_vehicle(make_customer(dealer_a))
    _visit(vehicle, datetime.date(2024, 3, 1), 200000)
    _visit(
        vehicle,
        datetime.date(2024, 6, 1),
        21000,
        by=archive_admin_a,
        correction_reason="上次录入多了一个0",
    )
    vehicle.refresh_from_db()
    assert vehicle.mileage == 21000
    correction = MileageCorrection.objects.get()
    assert (correction.old_mileage, correction.new_mileage) == (200000, 21000)


def test_it_corrects_the_current_reading_explicitly(dealer_a, archive_admin_a):
    vehicle = make_vehicle(make_customer(dealer_a))
    _visit(vehicle, datetime.date(2024, 3, 1), 90000)
    services.mileage_correct(
        vehicle=vehicle, new_mileage=9000, reason="录入错误", by=archive_admin_a
    )
    vehicle.refresh_from_db()
    assert vehicle.mileage == 9000
    assert MileageCorrection.objects.get().reason == "录入错误"
    with pytest.raises(ValidationError):
        services.mileage_correct(vehicle=vehicle, new_mileage=100, reason=" ", by=archive_admin_a)


def test_it_refuses_a_repair_order_number_of_another_vehicle(dealer_a):
    owner = make_customer(dealer_a)
    first, second = make_vehicle(owner), make_vehicle(owner)
    _visit(first, datetime.date(2024, 3, 1), 1000, repair_order_no="RO9")
    with pytest.raises(ValidationError):
        _visit(second, datetime.date(2024, 3, 1), 1000, repair_order_no="RO9")


def test_it_measures_later_readings_from_a_correction_made_with_a_visit(dealer_a, archive_admin_a):
    vehicle = make_vehicle(make_customer(dealer_a))
    _visit(vehicle, datetime.date(2024, 3, 1), 17493)
    _visit(vehicle, datetime.date(2024, 4, 1), 10000, correction_reason="仪表更换")
    _visit(vehicle, datetime.date(2024, 5, 1), 12000)  # no reason needed after the correction
    vehicle.refresh_from_db()
    assert vehicle.mileage == 12000
    with pytest.raises(ValidationError):
        _visit(vehicle, datetime.date(2024, 6, 1), 11000)


def test_it_corrects_without_rewriting_the_history(dealer_a, archive_admin_a):
    vehicle = make_vehicle(make_customer(dealer_a), purchase_date=datetime.date(2020, 1, 1))
    visit, _ = _visit(vehicle, datetime.date(2024, 3, 1), 68869)
    services.mileage_correct(
        vehicle=vehicle, new_mileage=1000, reason="更换仪表盘", by=archive_admin_a
    )
    visit.refresh_from_db()
    assert visit.mileage == 68869
    _visit(vehicle, datetime.date.today(), 2000)
    vehicle.refresh_from_db()
    assert vehicle.mileage == 2000


def test_it_bounds_readings_between_corrections():
    day = datetime.date
    readings = [(day(2024, 1, 1), 5000), (day(2024, 3, 1), 90000), (day(2024, 9, 1), 3000)]
    corrections = [(day(2024, 6, 1), 1000)]
    bounds = services.odometer_bounds
    assert bounds(
        readings=readings, corrections=corrections, date=day(2024, 2, 1), purchase_mileage=0
    ) == (5000, 90000)
    assert bounds(
        readings=readings, corrections=corrections, date=day(2024, 7, 1), purchase_mileage=0
    ) == (1000, 3000)
    assert bounds(
        readings=readings, corrections=corrections, date=day(2024, 4, 1), purchase_mileage=0
    ) == (90000, None)


def test_it_refuses_a_plate_already_on_another_vehicle(dealer_a, dealer_b):
    make_vehicle(make_customer(dealer_a, name="张三"), plate="粤A12345")
    with pytest.raises(ValidationError) as raised:
        make_vehicle(make_customer(dealer_a), plate="粤a 12345")
    assert "张三" in raised.value.message_dict["plate"][0]
    other = make_vehicle(make_customer(dealer_a), plate="粤A54321")
    with pytest.raises(ValidationError):
        services.vehicle_update(vehicle=other, plate="粤A12345")
    make_vehicle(make_customer(dealer_b), plate="粤A12345")  # another dealer's archive


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("purchase_date", datetime.date(1, 1, 1)),
        ("insurance_expiry", datetime.date(9999, 12, 31)),
        ("purchase_price", Decimal("-1.00")),
    ],
)
def test_it_refuses_impossible_vehicle_values(dealer_a, field, value):
    with pytest.raises(ValidationError) as raised:
        make_vehicle(make_customer(dealer_a), **{field: value})
    assert field in raised.value.message_dict


def test_it_refuses_an_impossible_birthday(dealer_a):
    with pytest.raises(ValidationError) as raised:
        make_customer(dealer_a, birthday=datetime.date(1, 1, 1))
    assert "birthday" in raised.value.message_dict
