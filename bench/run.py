"""`make bench`: generate a synthetic archive, run the timed scenarios, print JSON lines.

    python -m bench.run --n 100000

stdout carries only the figures, one JSON object per line:
{"metric": ..., "value": ..., "unit": ..., "n": ..., "db": "sqlite" | "postgresql"};
progress and notes go to stderr. The database is a dedicated benchmark database, emptied at
every run: var/bench.sqlite3, or the PostgreSQL database in DCRC_BENCH_DATABASE_URL.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
SQLITE_PATH = REPO / "var" / "bench.sqlite3"
UNITS = {"ms", "rows/s", "MB", "queries", "s"}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Figures:
    """Writes one JSON line per figure to the real stdout, flushed at once."""

    def __init__(self, out: TextIO, *, n: int, db: str):
        self.out, self.n, self.db = out, n, db

    def emit(self, figure: dict[str, Any]) -> None:
        figure = {"n": self.n, "db": self.db} | figure
        if figure.get("unit") not in UNITS:
            log(f"bench: unexpected unit in {figure}")
        line = {key: figure[key] for key in ("metric", "value", "unit", "n", "db")}
        self.out.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.out.flush()


def _database_url(reuse: bool, sqlite_path: Path) -> str:
    """The benchmark database: never the product's own one, emptied unless reused."""
    url = os.environ.get("DCRC_BENCH_DATABASE_URL", "").strip()
    if url:
        name = urlsplit(url).path.lstrip("/")
        if "bench" not in name:
            sys.exit(
                f"bench: refusing to empty database {name!r}: "
                "DCRC_BENCH_DATABASE_URL must name a database whose name contains 'bench'."
            )
        return url
    sqlite_path = sqlite_path.resolve()
    sqlite_path.parent.mkdir(exist_ok=True)
    if not reuse:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{sqlite_path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{sqlite_path}"


def _setup_django(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "dcrc.settings"
    os.environ["DATABASE_URL"] = url
    if str(REPO / "src") not in sys.path:
        sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()


def _prepare_database(reuse: bool) -> None:
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql" and not reuse:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA IF EXISTS public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    call_command("migrate", interactive=False, verbosity=0)


def _import_benchmark(n: int, db: str, figures: Figures) -> None:
    """bench/bench_import.py (its own author's) when present: run(n, db) -> list of figures."""
    try:
        module = importlib.import_module("bench.bench_import")
    except ModuleNotFoundError as error:
        if error.name != "bench.bench_import":
            raise
        log("bench: bench/bench_import.py is missing; import_* figures skipped")
        return
    run = getattr(module, "run", None)
    if not callable(run):
        log("bench: bench/bench_import.py has no run(n, db); import_* figures skipped")
        return
    log("bench: import benchmark …")
    for figure in run(n, db):
        figures.emit(figure)


def _scenario(module: str, function: str, **options: Any):
    """A scenario run as bench.<module>.<function>(archive, **options), imported when it runs."""

    def run(archive, args):
        values = {key: getattr(args, value) for key, value in options.items()}
        return getattr(importlib.import_module(f"bench.{module}"), function)(archive, **values)

    return run


# Every timed scenario, in running order (the import benchmark runs last, on its own tables).
# Option values name the command-line argument passed on: pages=args.queries, n=args.n.
SCENARIOS = {
    "search": _scenario("bench_search", "search", queries="queries"),
    "customer360": _scenario("bench_search", "customer360", pages="queries"),
    "workbench": _scenario("bench_workbench", "workbench", pages="queries"),
    "kpi": _scenario("bench_kpi", "kpi", pages="queries"),
    "plan": _scenario("bench_plan", "run"),
    # The list's requests are 50 whatever --queries says: a page costs more than a search.
    "complaint_list": _scenario("bench_complaints", "complaint_list", n="n"),
    "complaint_dashboard": _scenario("bench_complaints", "complaint_dashboard", n="n"),
    # After-sales, each with 200 vehicles in the measured dealer's shop.
    "orders": _scenario("bench_orders", "repair_orders"),
    "kanban": _scenario("bench_kanban", "kanban"),
    "settlement": _scenario("bench_settlement", "settlement_50_lines"),
    "appointments": _scenario("bench_appointments", "day_book"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="customers (default 100000)")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per search kind")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the archive of the previous run instead of generating one (development aid)",
    )
    parser.add_argument(
        "--sqlite-file",
        type=Path,
        default=SQLITE_PATH,
        help=f"the SQLite benchmark database (default {SQLITE_PATH.relative_to(REPO)})",
    )
    parser.add_argument(
        "--only",
        choices=[*SCENARIOS, "import"],
        action="append",
        help="run only these scenarios (repeatable); default all",
    )
    args = parser.parse_args(argv)
    out = sys.stdout
    # Anything else that prints (migrate, a scenario) goes to stderr: stdout is for figures only.
    with contextlib.redirect_stdout(sys.stderr):
        _setup_django(_database_url(args.reuse, args.sqlite_file))
        from django.db import connection

        from . import generate

        db = connection.vendor
        figures = Figures(out, n=args.n, db=db)
        _prepare_database(args.reuse)
        if args.reuse:
            archive = generate.existing_archive()
            log(f"bench: reusing the archive of {archive.customers:,} customers")
        else:
            log(f"bench: generating {args.n:,} customers on {db} …")
            archive = generate.generate(args.n)
            figures.emit({"metric": "generate_s", "value": round(archive.seconds, 1), "unit": "s"})
        only = set(args.only or [*SCENARIOS, "import"])
        for name, scenario in SCENARIOS.items():
            if name in only:
                log(f"bench: {name} …")
                for figure in scenario(archive, args):
                    figures.emit(figure)
        # Last: the import benchmark empties and refills its own tables.
        if "import" in only:
            _import_benchmark(args.n, db, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
