"""Timed import of a synthetic legacy DMS export (XLSX and CSV), each into a fresh dealer.

    python -m bench.bench_import --n 100000     # standalone, on DATABASE_URL or a temp SQLite

run(n, db) writes an n-row export the way DMS systems do (a title row above Chinese headers,
dates as Excel dates or "2023-05-01", a GBK-encoded CSV, a totals row at the end), then imports
each file in its own Python process with dcrc.customers.imports.import_file(), the function the
`dcrc import` command and the web job call. The process is a fresh one so that its peak RSS
(ru_maxrss, a per-process high-water mark) is the import's alone; generating the file is not
timed. Figures: import_xlsx_rows_per_s, import_csv_rows_per_s, import_peak_rss_mb (the larger
of the two imports).

Self-contained: the generator copies the VIN rules it needs instead of importing tests/.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SEED = 20240101

HEADERS = [
    "车主代号",
    "客户名称",
    "性别",
    "手机号码",
    "家庭电话",
    "证件号码",
    "联系地址",
    "客户类型",
    "VIN码",
    "车牌号码",
    "品牌",
    "车系",
    "车型",
    "年款",
    "发动机号",
    "车身颜色",
    "购车日期",
    "上牌日期",
    "购车价格",
    "保险公司",
    "保险到期日",
    "销售顾问",
]
DATE_COLUMNS = {16, 17, 20}
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志海燕小龙云飞晓东春"
    "梅宇轩子涵浩然欣怡思远佳琪梓萱"
)
MOBILE_PREFIXES = ["138", "139", "135", "137", "150", "158", "177", "186", "188", "199"]
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
SERIES = [
    ("大众", "帕萨特"),
    ("大众", "迈腾"),
    ("大众", "速腾"),
    ("大众", "途观L"),
    ("奥迪", "A4L"),
]
COLOURS = ["白色", "黑色", "银色", "灰色", "蓝色", "红色"]
INSURERS = ["中国人保", "平安保险", "太平洋保险", "中华联合"]
STREETS = ["天河路", "体育西路", "中山大道", "黄埔大道", "广州大道", "环市东路"]


def _vin(rng: random.Random) -> str:
    from dcrc.customers.normalize import vin_check_digit

    body = "LSV" + "".join(rng.choice(VIN_CHARS) for _ in range(14))
    return body[:8] + vin_check_digit(body[:8] + "0" + body[9:]) + body[9:]


def _id_number(rng: random.Random, birthday: datetime.date) -> str:
    from stdnum.cn import ric

    body = f"440106{birthday:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def _rows(n: int) -> Any:
    """n realistic rows; every one valid so that the figure is the import's, not its errors'."""
    rng = random.Random(SEED)
    for i in range(n):
        company = i % 25 == 0
        name = (
            f"广州{rng.choice(STREETS)[:2]}物流有限公司{i}"
            if company
            else rng.choice(SURNAMES)
            + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        )
        birthday = datetime.date(
            1960 + rng.randrange(40), rng.randrange(1, 13), rng.randrange(1, 29)
        )
        brand, series = rng.choice(SERIES)
        purchase = datetime.date(
            2015 + rng.randrange(9), rng.randrange(1, 13), rng.randrange(1, 29)
        )
        yield [
            f"K{i + 1:08d}",
            name,
            "" if company else rng.choice("男女"),
            rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
            f"020-{rng.randrange(3, 9)}{rng.randrange(10**7):07d}" if i % 7 == 0 else "",
            "" if company or i % 3 else _id_number(rng, birthday),
            f"广东省广州市天河区{rng.choice(STREETS)}{rng.randrange(1, 999)}号",
            "公司" if company else "个人",
            _vin(rng),
            "粤" + rng.choice("ABCDEF") + "".join(rng.choice(PLATE_CHARS) for _ in range(5)),
            brand,
            series,
            f"{series} 330TSI",
            purchase.year,
            f"E{rng.randrange(10**8):08d}",
            rng.choice(COLOURS),
            purchase,
            purchase + datetime.timedelta(days=rng.randrange(3, 20)),
            float(rng.randrange(150_000, 400_000)),
            rng.choice(INSURERS),
            purchase.replace(year=2025),
            rng.choice(SURNAMES) + rng.choice(GIVEN),
        ]


def write_xlsx(path: Path, n: int) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("客户档案")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, ["广州一汽大众4S店客户档案导出 2024-01-01"])
    sheet.write_row(1, 0, HEADERS)
    row = 1
    for row, values in enumerate(_rows(n), start=2):
        for column, value in enumerate(values):
            if column in DATE_COLUMNS:
                sheet.write_datetime(row, column, value, date_format)
            elif value != "":
                sheet.write(row, column, value)
    sheet.write_row(row + 1, 0, ["合计", f"{n}条"])
    workbook.close()


def write_csv(path: Path, n: int) -> None:
    with path.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["广州一汽大众4S店客户档案导出 2024-01-01"])
        writer.writerow(HEADERS)
        for values in _rows(n):
            writer.writerow(
                [
                    value.isoformat() if isinstance(value, datetime.date) else value
                    for value in values
                ]
            )
        writer.writerow(["合计", f"{n}条"])


def _child(path: str, n: int) -> None:
    """Runs in a fresh process: import one file into a fresh dealer, print one JSON line."""
    import resource
    import time

    sys.path.insert(0, str(REPO / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dcrc.settings")
    import django

    django.setup()
    from dcrc.core.models import Dealer
    from dcrc.customers.imports import import_file

    code = f"BI{os.getpid()}{int(time.time()) % 100000}"
    dealer = Dealer.objects.create(code=code[:20], name=f"导入基准 {code}")
    started = time.perf_counter()
    cpu_started = resource.getrusage(resource.RUSAGE_SELF)
    job = import_file(dealer=dealer, path=Path(path))
    seconds = time.perf_counter() - started
    cpu_self = resource.getrusage(resource.RUSAGE_SELF)
    cpu_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    # The reading process of a large file is a child: its high-water mark counts too.
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(
        json.dumps(
            {
                "seconds": seconds,
                # CPU seconds of the writing process and of the reading process: on a busy
                # machine they tell what the import costs better than the wall clock.
                "cpu_writer": cpu_self.ru_utime
                + cpu_self.ru_stime
                - cpu_started.ru_utime
                - cpu_started.ru_stime,
                "cpu_reader": cpu_children.ru_utime + cpu_children.ru_stime,
                "peak_mb": peak_kb / 1024,
                "status": job.status,
                "created": job.rows_created,
                "failed": job.rows_failed,
                "message": job.message,
            }
        )
    )


def _import_in_subprocess(path: Path, n: int, media: str) -> dict[str, Any]:
    env = dict(os.environ, DCRC_MEDIA_ROOT=media)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO / "src"), str(REPO), env.get("PYTHONPATH")])
    )
    result = subprocess.run(
        [sys.executable, "-m", "bench.bench_import", "--child", str(path), "--n", str(n)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"import benchmark failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    if figures["status"] != "done" or figures["created"] != n:
        raise RuntimeError(f"import benchmark did not import every row: {figures}")
    return figures


def run(n: int, db: str) -> list[dict[str, Any]]:
    """Import an n-row XLSX and an n-row CSV export; rows/s of each and the peak RSS."""
    figures = []
    peak = 0.0
    with tempfile.TemporaryDirectory(prefix="dcrc-bench-import-") as folder:
        for kind, writer in (("xlsx", write_xlsx), ("csv", write_csv)):
            path = Path(folder) / f"export.{kind}"
            writer(path, n)
            result = _import_in_subprocess(path, n, folder + "/media")
            path.unlink()
            print(
                f"bench: import {kind}: {n} rows in {result['seconds']:.1f} s "
                f"(CPU: writer {result['cpu_writer']:.1f} s, reader {result['cpu_reader']:.1f} s), "
                f"peak RSS {result['peak_mb']:.0f} MB",
                file=sys.stderr,
                flush=True,
            )
            figures.append(
                {
                    "metric": f"import_{kind}_rows_per_s",
                    "value": round(n / result["seconds"], 1),
                    "unit": "rows/s",
                    "n": n,
                    "db": db,
                }
            )
            peak = max(peak, result["peak_mb"])
    figures.append(
        {"metric": "import_peak_rss_mb", "value": round(peak, 1), "unit": "MB", "n": n, "db": db}
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.n)
        return
    sys.path.insert(0, str(REPO / "src"))
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench-import.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dcrc.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    db = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    for figure in run(args.n, db):
        print(json.dumps(figure, ensure_ascii=False))


if __name__ == "__main__":
    main()
