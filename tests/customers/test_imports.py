"""Import of legacy DMS exports: files, messy values, idempotency, history, screens, command.

Fixture files are written on the fly into tmp_path; nothing binary is committed.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dcrc.core.choices import AccessAction, Role
from dcrc.core.middleware import SESSION_KEY
from dcrc.core.models import PersonalDataAccess
from dcrc.customers import imports, services, tasks
from dcrc.customers.choices import ImportKind, ImportStatus, OwnershipReason, VisitType
from dcrc.customers.models import (
    Customer,
    ImportJob,
    SearchKey,
    ServiceVisit,
    Vehicle,
    VehicleOwnership,
)
from tests.conftest import login
from tests.factories import UserFactory, make_customer, make_vehicle, random_vin

HEADERS = ["客户名称", "手机号码", "性别", "地址", "VIN码", "车牌号", "品牌", "购车日期"]
TITLE = ["广州一汽大众4S店客户档案导出 2024-01-01"]


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DCRC_JOBS_BACKEND = "inline"
    settings.LANGUAGE_CODE = "en"


def bad_check_digit(vin: str) -> str:
    wrong = "0" if vin[8] != "0" else "1"
    return vin[:8] + wrong + vin[9:]


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def customer_rows(count: int, seed: int = 0) -> list[list]:
    return [
        [
            f"客户{seed}-{i}",
            f"139{seed:04d}{i:04d}",
            "男" if i % 2 else "女",
            f"广州市天河区体育西路{i}号",
            random_vin(),
            "",
            "大众",
            "2023-05-01",
        ]
        for i in range(count)
    ]


def run_import(dealer, path: Path, kind=ImportKind.CUSTOMERS, by=None) -> ImportJob:
    return imports.import_file(dealer=dealer, path=path, kind=kind, by=by)


def error_rows(job: ImportJob) -> list[tuple]:
    workbook = openpyxl.load_workbook(job.error_file.path, read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    workbook.close()
    return rows


# --------------------------------------------------------------------------- files


def test_it_imports_a_utf8_csv_with_bom(dealer_a, archive_admin_a, tmp_path):
    vin = random_vin()
    path = write_csv(
        tmp_path / "export.csv",
        [HEADERS, ["张伟", "13812345678", "男", "广州市", vin, "粤A12345", "大众", "2023-05-01"]],
    )

    job = run_import(dealer_a, path, by=archive_admin_a)

    assert (job.status, job.rows_created, job.rows_failed) == (ImportStatus.DONE, 1, 0)
    customer = Customer.objects.get(dealer=dealer_a)
    assert (customer.name, customer.mobile, customer.gender) == ("张伟", "13812345678", "male")
    assert customer.owner_code.startswith("C")
    assert customer.name_pinyin == "zhangwei"
    assert customer.created_by == archive_admin_a
    vehicle = Vehicle.objects.get(vin=vin)
    assert vehicle.owner == customer and vehicle.plate == "粤A12345"
    assert vehicle.purchase_date == datetime.date(2023, 5, 1)
    ownership = VehicleOwnership.objects.get(vehicle=vehicle)
    assert ownership.end_date is None and ownership.reason == OwnershipReason.IMPORT
    keys = set(SearchKey.objects.filter(customer=customer).values_list("key", flat=True))
    assert keys == services.customer_search_keys(customer, [(vin, "粤A12345")])


def test_it_reads_a_gbk_csv(dealer_a, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", [TITLE, HEADERS, *customer_rows(3)], encoding="gbk")

    job = run_import(dealer_a, path)

    assert job.header_row == 2
    assert job.rows_created == 3
    assert Customer.objects.filter(dealer=dealer_a, name__startswith="客户").count() == 3


def test_it_skips_the_title_row_and_the_totals_row_of_a_workbook(dealer_a, tmp_path):
    rows = customer_rows(2)
    rows[1][7] = datetime.datetime(2022, 3, 4)  # an Excel date cell
    path = write_xlsx(tmp_path / "export.xlsx", [TITLE, [], HEADERS, *rows, [], ["合计", "2条"]])

    job = run_import(dealer_a, path)

    assert job.header_row == 3
    assert (job.rows_created, job.rows_failed, job.rows_skipped) == (2, 0, 2)
    assert Vehicle.objects.get(vin=rows[1][4]).purchase_date == datetime.date(2022, 3, 4)
    assert job.mapping["samples"][1][7] == "2022-03-04"  # what the mapping screen shows


def _openpyxl_rows(path: Path) -> list[tuple[int, tuple]]:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()
    rows = list(enumerate(sheet.iter_rows(values_only=True), start=1))
    workbook.close()
    return rows


_MIXED_CELLS = [
    "王伟",
    " 带空格 ",
    "",
    "13812345678",
    13812345678,
    12.5,
    -3,
    0,
    True,
    False,
    datetime.date(2023, 5, 1),
    datetime.datetime(2023, 5, 1, 8, 30),
    "=1+1",
    "x" * 300,
    "第一行\n第二行",
]


@pytest.mark.parametrize("writer", ["xlsxwriter-streaming", "xlsxwriter", "openpyxl"])
def test_it_reads_workbooks_as_openpyxl_does(tmp_path, writer):
    """The sheet reader's shortcut for inline strings gives openpyxl's values, cell for cell:
    inline (streaming writers) and shared strings, rich text, numbers, dates, booleans,
    formulas, empty cells and rows the file leaves out."""
    import xlsxwriter

    path = tmp_path / f"{writer}.xlsx"
    rows = [TITLE, [], HEADERS, _MIXED_CELLS, list(reversed(_MIXED_CELLS)), [None, None, "末尾"]]
    if writer == "openpyxl":
        write_xlsx(path, rows)
    else:
        workbook = xlsxwriter.Workbook(
            str(path), {"constant_memory": writer == "xlsxwriter-streaming"}
        )
        sheet = workbook.add_worksheet()
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        time_format = workbook.add_format({"num_format": "hh:mm:ss"})
        bold = workbook.add_format({"bold": True})
        number = 0
        for number, row in enumerate(rows):
            for column, value in enumerate(row):
                if isinstance(value, datetime.date):
                    sheet.write_datetime(number, column, value, date_format)
                elif value is not None and value != "":
                    sheet.write(number, column, value)
        sheet.write_rich_string(number + 2, 0, "粗", bold, "体", "字")
        sheet.write_datetime(number + 2, 1, datetime.time(9, 15), time_format)
        sheet.write_string(number + 3, 3, "")
        sheet.write_blank(number + 3, 4, None, bold)
        sheet.write_formula(number + 4, 0, '="公式"&"值"', None, "公式值")
        sheet.write_formula(number + 4, 1, "=1/0", None, "#DIV/0!")
        workbook.close()

    expected = _openpyxl_rows(path)

    assert list(imports.read_rows(path)) == expected
    assert any("王伟" in row for _number, row in expected)


def test_it_reads_the_benchmark_export_as_openpyxl_does(tmp_path):
    from bench.bench_import import write_xlsx as write_export

    path = tmp_path / "export.xlsx"
    write_export(path, 300)

    rows = list(imports.read_rows(path))

    assert rows == _openpyxl_rows(path)
    assert len(rows) == 303


def test_it_rejects_a_file_without_a_header_row(dealer_a, tmp_path):
    path = write_csv(tmp_path / "nonsense.csv", [["a", "b"], ["1", "2"]])

    with pytest.raises(imports.ValidationError, match="No header row"):
        run_import(dealer_a, path)
    assert not ImportJob.objects.exists()


# --------------------------------------------------------------------------- values


def test_it_normalises_messy_values(dealer_a, tmp_path):
    vins = [random_vin() for _ in range(3)]
    headers = [
        "客户名称",
        "手机",
        "车牌号码",
        "VIN",
        "购车日期",
        "购车价格",
        "购车里程",
        "客户类型",
    ]
    path = write_csv(
        tmp_path / "messy.csv",
        [
            headers,
            [
                "王 芳",
                "１３８１２３４５６７８",
                "粤 b·12345",
                vins[0],
                "2023年5月1日",
                "18.99万",
                "1,200km",
                "个人",
            ],
            [
                "李强",
                "+86 138-1234-5679",
                "京A 1234 5",
                vins[1].lower(),
                "20230502",
                "¥189,900元",
                "",
                "",
            ],
            ["深圳华为物流有限公司", "020-87654321", "", vins[2], "2023/5/3", "", "", ""],
        ],
    )

    job = run_import(dealer_a, path)

    assert (job.rows_created, job.rows_failed) == (3, 0), error_rows(job) if job.error_file else ""
    wang = Customer.objects.get(mobile="13812345678")
    assert wang.name == "王 芳"
    first = Vehicle.objects.get(vin=vins[0])
    assert first.plate == "粤B12345"
    assert (first.purchase_date, first.purchase_price) == (
        datetime.date(2023, 5, 1),
        Decimal("189900.00"),
    )
    assert first.purchase_mileage == 1200 and first.mileage == 1200
    second = Vehicle.objects.get(vin=vins[1])
    assert second.owner.mobile == "13812345679"
    assert second.purchase_price == Decimal("189900.00")
    company = Customer.objects.get(name="深圳华为物流有限公司")
    assert company.kind == "company"
    assert (company.mobile, company.home_phone) == ("", "02087654321")


def test_it_reports_bad_rows_with_their_spreadsheet_row_numbers(dealer_a, tmp_path):
    good = customer_rows(2)
    no_name = customer_rows(1, seed=1)[0]
    no_name[0] = ""
    bad_vin = customer_rows(1, seed=2)[0]
    bad_vin[4] = bad_check_digit(bad_vin[4])
    bad_date = customer_rows(1, seed=3)[0]
    bad_date[7] = "下周"
    path = write_xlsx(
        tmp_path / "bad.xlsx", [TITLE, HEADERS, good[0], no_name, bad_vin, good[1], bad_date]
    )

    job = run_import(dealer_a, path)

    assert (job.rows_created, job.rows_failed) == (2, 3)
    rows = error_rows(job)
    assert rows[0][:3] == ("Row", "Reason", "客户名称")
    assert [row[0] for row in rows[1:]] == [4, 5, 7]
    assert rows[1][1].startswith("客户名称:") and "name" in rows[1][1]
    assert rows[2][1].startswith("VIN码:") and "check digit" in rows[2][1]
    assert rows[3][1].startswith("购车日期:")
    assert rows[2][2:7] == tuple(bad_vin[:4]) + (bad_vin[4],)
    assert Vehicle.objects.filter(dealer=dealer_a).count() == 2


def test_it_keeps_a_row_that_is_too_long_for_the_database_out(dealer_a, tmp_path):
    row = customer_rows(1)[0]
    row[3] = "长" * 300
    path = write_csv(tmp_path / "long.csv", [HEADERS, row, *customer_rows(1, seed=5)])

    job = run_import(dealer_a, path)

    assert (job.rows_created, job.rows_failed) == (1, 1)
    assert "地址" in error_rows(job)[1][1]


# --------------------------------------------------------------------------- idempotency


def test_it_updates_instead_of_duplicating_when_the_same_file_is_imported_again(dealer_a, tmp_path):
    path = write_xlsx(tmp_path / "export.xlsx", [TITLE, HEADERS, *customer_rows(25)])
    first = run_import(dealer_a, path)
    counts = (
        Customer.objects.count(),
        Vehicle.objects.count(),
        SearchKey.objects.count(),
        VehicleOwnership.objects.count(),
    )

    second = run_import(dealer_a, path)

    assert (first.rows_created, first.rows_updated) == (25, 0)
    assert (second.rows_created, second.rows_updated, second.rows_unchanged) == (0, 0, 25)
    assert (
        Customer.objects.count(),
        Vehicle.objects.count(),
        SearchKey.objects.count(),
        VehicleOwnership.objects.count(),
    ) == counts


def test_it_matches_by_phone_and_name_and_overwrites_only_what_the_file_gives(dealer_a, tmp_path):
    customer = make_customer(dealer_a, name="陈静", mobile="13711112222", address="老地址")
    path = write_csv(
        tmp_path / "update.csv",
        [["客户名称", "手机号码", "地址", "家庭电话"], ["陈静", "13711112222", "", "020-87654321"]],
    )

    job = run_import(dealer_a, path)

    assert (job.rows_created, job.rows_updated) == (0, 1)
    customer.refresh_from_db()
    assert customer.address == "老地址"
    assert customer.home_phone == "02087654321"
    assert SearchKey.objects.filter(customer=customer, key="p" + "02087654321"[::-1]).exists()


def test_it_records_an_ownership_change_when_a_known_vin_has_a_new_owner(dealer_a, tmp_path):
    seller = make_customer(dealer_a, name="赵敏", mobile="13600001111")
    vehicle = make_vehicle(seller, plate="粤A88888")
    path = write_csv(
        tmp_path / "transfer.csv",
        [HEADERS, ["孙强", "13600002222", "男", "", vehicle.vin, "粤A88888", "", ""]],
    )

    job = run_import(dealer_a, path)

    assert (job.rows_created, job.rows_failed) == (1, 0)
    vehicle.refresh_from_db()
    buyer = Customer.objects.get(name="孙强")
    assert vehicle.owner == buyer
    ownerships = VehicleOwnership.objects.filter(vehicle=vehicle).order_by("id")
    assert [(o.customer, o.end_date) for o in ownerships] == [
        (seller, timezone.localdate()),
        (buyer, None),
    ]
    assert ownerships.last().reason == OwnershipReason.IMPORT
    vin_key = "v" + vehicle.vin[::-1]
    assert not SearchKey.objects.filter(customer=seller, key=vin_key).exists()
    assert SearchKey.objects.filter(customer=buyer, key=vin_key).exists()

    again = run_import(dealer_a, path)

    assert (again.rows_created, again.rows_updated, again.rows_unchanged) == (0, 0, 1)
    assert VehicleOwnership.objects.filter(vehicle=vehicle).count() == 2


def test_it_updates_the_owner_when_only_the_phone_changed(dealer_a, tmp_path):
    owner = make_customer(dealer_a, name="周杰", mobile="13500001111")
    vehicle = make_vehicle(owner)
    path = write_csv(
        tmp_path / "phone.csv", [HEADERS, ["周杰", "13500009999", "", "", vehicle.vin, "", "", ""]]
    )

    job = run_import(dealer_a, path)

    assert job.rows_updated == 1
    owner.refresh_from_db()
    assert owner.mobile == "13500009999"
    assert Customer.objects.filter(dealer=dealer_a).count() == 1
    assert not SearchKey.objects.filter(customer=owner, key="p" + "13500001111"[::-1]).exists()


def test_it_reruns_a_failed_job_without_duplicates(dealer_a, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_ROWS", 5)
    path = write_csv(tmp_path / "big.csv", [HEADERS, *customer_rows(12)])
    original = imports.CustomerImporter.write
    calls = {"n": 0}

    def flaky(self, rows):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(self, rows)

    monkeypatch.setattr(imports.CustomerImporter, "write", flaky)
    job = run_import(dealer_a, path)
    assert job.status == ImportStatus.FAILED
    assert "disk full" in job.message
    assert Customer.objects.count() == 5

    assert imports.import_job_queue(job=job)
    job = imports.import_job_run(job_id=job.pk)

    assert job.status == ImportStatus.DONE
    assert (job.rows_created, job.rows_unchanged) == (7, 5)
    assert Customer.objects.count() == Vehicle.objects.count() == 12


def test_it_reads_large_files_in_a_second_process(dealer_a, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "PARALLEL_MIN_ROWS", 1)
    monkeypatch.setattr(imports, "BATCH_ROWS", 4)
    rows = customer_rows(10)
    rows[5][4] = bad_check_digit(rows[5][4])
    path = write_csv(tmp_path / "large.csv", [TITLE, HEADERS, *rows, ["合计"]])

    job = run_import(dealer_a, path)

    assert (job.status, job.rows_created, job.rows_failed, job.rows_skipped) == (
        ImportStatus.DONE,
        9,
        1,
        1,
    )
    assert [row[0] for row in error_rows(job)[1:]] == [8]
    customer = Customer.objects.get(name="客户0-3")
    keys = set(SearchKey.objects.filter(customer=customer).values_list("key", flat=True))
    assert keys == services.customer_search_keys(customer, [(rows[3][4], "")])


def test_it_saves_nothing_in_a_dry_run(dealer_a, tmp_path):
    path = write_csv(
        tmp_path / "dry.csv", [HEADERS, *customer_rows(3), ["", "", "", "", "", "", "", "3"]]
    )
    job = imports.import_job_create(
        dealer=dealer_a, kind=ImportKind.CUSTOMERS, upload=_upload(path), by=None
    )

    job = imports.import_job_preview(job=job)

    assert job.status == ImportStatus.PREVIEWED
    assert (job.preview["created"], job.preview["skipped"], job.preview["complete"]) == (3, 1, True)
    assert job.preview["rows"][0]["values"][0] == "客户0-0"
    assert not Customer.objects.exists() and not Vehicle.objects.exists()


@pytest.mark.parametrize("rows", [10, 400])
def test_it_runs_a_batch_in_a_fixed_number_of_queries(
    dealer_a, tmp_path, rows, django_assert_max_num_queries
):
    existing = make_customer(dealer_a, name="客户0-0", mobile="13900000000")
    path = write_csv(tmp_path / "size.csv", [HEADERS, *customer_rows(rows)])
    job = imports.import_job_create(
        dealer=dealer_a, kind=ImportKind.CUSTOMERS, upload=_upload(path), by=None
    )
    imports.import_job_queue(job=job)

    # The same count for 10 and 400 rows: one query or statement per kind of record.
    with django_assert_max_num_queries(23):
        job = imports.import_job_run(job_id=job.pk)

    assert job.rows_created == rows
    assert Customer.objects.count() == rows
    assert Vehicle.objects.filter(owner=existing).count() == 1


# --------------------------------------------------------------------------- service history


VISIT_HEADERS = [
    "工单号",
    "VIN",
    "车牌号",
    "进厂日期",
    "进厂里程",
    "维修类型",
    "结算金额",
    "服务顾问",
]


def test_it_imports_service_history_with_exact_aggregates(dealer_a, tmp_path):
    owner = make_customer(dealer_a)
    vehicle = make_vehicle(owner, plate="粤B54321", purchase_mileage=10)
    path = write_xlsx(
        tmp_path / "visits.xlsx",
        [
            ["维修记录导出"],
            VISIT_HEADERS,
            [
                "RO001",
                vehicle.vin,
                "",
                datetime.date(2023, 6, 1),
                "5,000 km",
                "首次保养",
                "0",
                "李工",
            ],
            ["RO002", "", "粤B54321", "2023/12/1", 15000, "定期保养", "680元", "李工"],
            ["", vehicle.vin, "", "2024-03-05", 18000, "钣喷", "1,200.50", ""],
            ["合计", "", "", "", "", "", "1880.50", ""],
        ],
    )

    job = run_import(dealer_a, path, kind=ImportKind.VISITS)

    assert (job.rows_created, job.rows_failed, job.rows_skipped) == (3, 0, 1)
    types = list(ServiceVisit.objects.order_by("visit_date").values_list("visit_type", flat=True))
    assert types == [
        VisitType.FIRST_MAINTENANCE,
        VisitType.PERIODIC_MAINTENANCE,
        VisitType.BODY_PAINT,
    ]
    assert set(ServiceVisit.objects.values_list("source", flat=True)) == {"import"}
    _assert_aggregates_exact(owner, vehicle)
    owner.refresh_from_db()
    assert (owner.visit_count, owner.paid_visit_count, owner.total_spend) == (
        3,
        2,
        Decimal("1880.50"),
    )

    again = run_import(dealer_a, path, kind=ImportKind.VISITS)

    assert (again.rows_created, again.rows_unchanged) == (0, 3)
    assert ServiceVisit.objects.count() == 3


def test_it_rejects_a_visit_whose_mileage_goes_backwards(dealer_a, tmp_path):
    vehicle = make_vehicle(make_customer(dealer_a))
    services.service_visit_record(
        vehicle=vehicle,
        visit_date=datetime.date(2023, 1, 10),
        mileage=20000,
        visit_type="minor_repair",
    )
    path = write_csv(
        tmp_path / "backwards.csv",
        [
            VISIT_HEADERS,
            ["RO10", vehicle.vin, "", "2023-03-01", "19000", "小修", "100", ""],
            ["RO11", vehicle.vin, "", "2023-04-01", "25000", "小修", "100", ""],
            ["RO12", vehicle.vin, "", "2023-05-01", "24000", "大修", "100", ""],
            ["RO13", random_vin(), "", "2023-05-01", "24000", "大修", "100", ""],
        ],
    )

    job = run_import(dealer_a, path, kind=ImportKind.VISITS)

    assert (job.rows_created, job.rows_failed) == (1, 3)
    rows = error_rows(job)
    assert [row[0] for row in rows[1:]] == [2, 4, 5]
    assert rows[1][1].startswith("进厂里程:") and "19000 km" in rows[1][1]
    assert "24000 km" in rows[2][1]
    assert "No vehicle with this VIN" in rows[3][1]
    vehicle.refresh_from_db()
    assert vehicle.mileage == 25000
    _assert_aggregates_exact(vehicle.owner, vehicle)


def test_it_updates_a_visit_by_its_repair_order_number(dealer_a, tmp_path):
    vehicle = make_vehicle(make_customer(dealer_a))
    first = write_csv(
        tmp_path / "v1.csv",
        [VISIT_HEADERS, ["RO20", vehicle.vin, "", "2023-03-01", "1000", "首保", "0", ""]],
    )
    second = write_csv(
        tmp_path / "v2.csv",
        [VISIT_HEADERS, ["RO20", vehicle.vin, "", "2023-03-01", "1200", "首保", "50", "王五"]],
    )
    run_import(dealer_a, first, kind=ImportKind.VISITS)

    job = run_import(dealer_a, second, kind=ImportKind.VISITS)

    assert (job.rows_created, job.rows_updated) == (0, 1)
    visit = ServiceVisit.objects.get()
    assert (visit.mileage, visit.amount, visit.advisor_name) == (1200, Decimal("50.00"), "王五")
    _assert_aggregates_exact(vehicle.owner, vehicle)


def _assert_aggregates_exact(customer, vehicle):
    """What the batch refresh wrote equals what the per-row services compute."""
    customer = Customer.objects.get(pk=customer.pk)
    vehicle = Vehicle.objects.get(pk=vehicle.pk)
    imported = (
        customer.last_visit_date,
        customer.visit_count,
        customer.paid_visit_count,
        customer.total_spend,
        vehicle.mileage,
        vehicle.mileage_date,
        vehicle.first_service_date,
    )
    services.customer_visits_refresh(customer=customer)
    services.vehicle_mileage_refresh(vehicle=vehicle)
    customer.refresh_from_db()
    vehicle.refresh_from_db()
    assert imported == (
        customer.last_visit_date,
        customer.visit_count,
        customer.paid_visit_count,
        customer.total_spend,
        vehicle.mileage,
        vehicle.mileage_date,
        vehicle.first_service_date,
    )


# --------------------------------------------------------------------------- screens


def _upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def test_it_walks_through_upload_mapping_dry_run_import_and_error_report(
    client, dealer_a, archive_admin_a, tmp_path
):
    rows = customer_rows(3)
    rows[2][4] = bad_check_digit(rows[2][4])
    path = write_xlsx(tmp_path / "客户档案.xlsx", [TITLE, HEADERS, *rows])
    login(client, archive_admin_a)

    response = client.post(
        reverse("customers:import_upload"), {"kind": "customers", "file": _upload(path)}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("customers:import_mapping", args=[job.pk])
    assert (job.dealer, job.created_by, job.header_row) == (dealer_a, archive_admin_a, 2)

    page = client.get(response.url)
    assert page.status_code == 200
    assert "客户名称" in page.content.decode()
    mapping = {f"col_{i}": key for i, key in job.mapping["columns"].items()}
    mapping["col_3"] = ""  # the address is not imported
    response = client.post(reverse("customers:import_mapping", args=[job.pk]), mapping)
    assert response.url == reverse("customers:import_preview", args=[job.pk])

    page = client.get(response.url)
    assert page.status_code == 200
    assert page.context["preview"]["created"] == 2
    assert page.context["preview"]["failed"] == 1
    assert not Customer.objects.exists()

    response = client.post(reverse("customers:import_run", args=[job.pk]))
    assert response.url == job.get_absolute_url()
    page = client.get(response.url)
    assert page.status_code == 200
    job.refresh_from_db()
    assert (job.status, job.rows_created, job.rows_failed) == (ImportStatus.DONE, 2, 1)
    assert Customer.objects.filter(address="").count() == 2

    progress = client.get(
        reverse("customers:import_progress", args=[job.pk]), HTTP_HX_REQUEST="true"
    )
    assert progress.status_code == 200
    assert "every 1s" not in progress.content.decode()

    download = client.get(reverse("customers:import_errors", args=[job.pk]))
    assert download.status_code == 200
    report = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert [row[0] for row in report.active.iter_rows(values_only=True)] == ["Row", 5]
    assert PersonalDataAccess.objects.filter(
        action=AccessAction.EXPORT, object_type="import"
    ).exists()


def test_it_polls_the_progress_while_the_job_runs(client, dealer_a, archive_admin_a, tmp_path):
    job = imports.import_job_create(
        dealer=dealer_a,
        kind=ImportKind.CUSTOMERS,
        upload=_upload(write_csv(tmp_path / "x.csv", [HEADERS, *customer_rows(2)])),
        by=archive_admin_a,
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, rows_done=1, heartbeat_at=timezone.now()
    )
    login(client, archive_admin_a)

    page = client.get(reverse("customers:import_detail", args=[job.pk]))

    assert 'hx-trigger="every 1s"' in page.content.decode()
    assert "50%" in page.content.decode()


def test_it_shows_the_mapping_again_when_a_required_column_is_missing(
    client, dealer_a, archive_admin_a, tmp_path
):
    job = imports.import_job_create(
        dealer=dealer_a,
        kind=ImportKind.CUSTOMERS,
        upload=_upload(write_csv(tmp_path / "x.csv", [HEADERS, *customer_rows(1)])),
        by=archive_admin_a,
    )
    login(client, archive_admin_a)

    response = client.post(reverse("customers:import_mapping", args=[job.pk]), {"col_0": ""})

    assert response.status_code == 200
    assert "Map a column to Name" in response.content.decode()


def test_it_answers_404_for_another_dealers_job(client, dealer_a, dealer_b, tmp_path):
    job = imports.import_job_create(
        dealer=dealer_a,
        kind=ImportKind.CUSTOMERS,
        upload=_upload(write_csv(tmp_path / "x.csv", [HEADERS, *customer_rows(1)])),
        by=None,
    )
    admin_b = UserFactory(role=Role.ARCHIVE_ADMIN, dealers=[dealer_b])
    login(client, admin_b)

    for name in (
        "import_detail",
        "import_mapping",
        "import_preview",
        "import_progress",
        "import_errors",
    ):
        assert client.get(reverse(f"customers:{name}", args=[job.pk])).status_code == 404
    assert client.post(reverse("customers:import_run", args=[job.pk])).status_code == 404
    listing = client.get(reverse("customers:import_list")).content.decode()
    assert job.get_absolute_url() not in listing


def test_it_forbids_importing_to_a_technician(client, technician_a, tmp_path):
    login(client, technician_a)
    path = write_csv(tmp_path / "x.csv", [HEADERS, *customer_rows(1)])

    assert client.get(reverse("customers:import_list")).status_code == 403
    response = client.post(
        reverse("customers:import_upload"), {"kind": "customers", "file": _upload(path)}
    )
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_it_asks_for_a_dealer_when_all_dealers_are_selected(client, dealer_a, dealer_b, tmp_path):
    admin = UserFactory(role=Role.ARCHIVE_ADMIN, dealers=[dealer_a, dealer_b])
    login(client, admin)
    session = client.session
    session[SESSION_KEY] = "all"
    session.save()
    path = write_csv(tmp_path / "x.csv", [HEADERS, *customer_rows(1)])

    response = client.post(
        reverse("customers:import_upload"), {"kind": "customers", "file": _upload(path)}
    )

    assert response.status_code == 400
    assert "Choose a dealer" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.xlsx", b"not a zip file", "could not be read as an Excel workbook"),
        ("x.csv", b"a,b\n1,2\n", "No header row"),
        ("x.pdf", b"%PDF", "Upload an .xlsx or .csv file"),
    ],
)
def test_it_rejects_unreadable_uploads_without_an_error_page(
    client, dealer_a, archive_admin_a, name, content, message
):
    login(client, archive_admin_a)

    response = client.post(
        reverse("customers:import_upload"),
        {"kind": "customers", "file": SimpleUploadedFile(name, content)},
    )

    assert response.status_code == 400
    assert message in response.content.decode()


def test_it_launches_the_job_on_celery_after_commit(
    db, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.DCRC_JOBS_BACKEND = "celery"
    sent = []
    monkeypatch.setattr(tasks.import_run_task, "delay", lambda *args: sent.append(args))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.import_launch(42)
    assert sent == []
    for callback in callbacks:
        callback()

    assert sent == [(42, "en")]


# --------------------------------------------------------------------------- command


def test_it_imports_from_the_command_line(dealer_a, tmp_path):
    path = write_csv(tmp_path / "cli.csv", [TITLE, HEADERS, *customer_rows(4)], encoding="gbk")
    out = io.StringIO()

    call_command("import", str(path), "--dealer", "A001", "--dry-run", stdout=out)
    assert "created 4" in out.getvalue()
    assert not Customer.objects.exists()

    call_command("import", str(path), "--dealer", "A001", stdout=out)
    assert Customer.objects.filter(dealer=dealer_a).count() == 4
    assert "Job" in out.getvalue()
