"""The metingen and rapportage benchmark of issue 3, against a fresh database.

Builds a sector-sized data set with ``generate_sector.py`` and measures, with
``time.perf_counter``:

* a new meting as a copy of the previous one (``assessments.services.create_assessment``),
* the board dashboard ``/rapportage/<org_id>/`` through Django's test client,
* the compare view ``/metingen/<pk>/vergelijken/?met=<pk>``,
* the board report ``/rapportage/<org_id>/bestuursrapport.pdf``,

and the number of queries of one request of each page. The database is SQLite in a temporary
SCHILDWACHT_HOME, or PostgreSQL with ``--postgres URL`` (the database named in the URL is
dropped and created by this script, and dropped again at the end; use a bench-only name).
Results go to ``bench/results-<sqlite|postgresql>.json``.

    SCHILDWACHT_SECRET_KEY=x SCHILDWACHT_ENCRYPTION_KEY=... /work/venv/bin/python bench/run.py \
        [--postgres postgres://postgres@127.0.0.1:5432/sw_bench] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BENCH_DIR = Path(__file__).resolve().parent
TARGETS_MS = {"copy": 200.0, "dashboard": 150.0, "pdf": 3000.0}
REPEAT = {"copy": 20, "dashboard": 200, "compare": 50, "pdf": 5}


def _percentile(values: list[float], percent: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def _summary(samples: list[float]) -> dict[str, Any]:
    ms = [s * 1000 for s in samples]
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(_percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1),
        "mean_ms": round(statistics.fmean(ms), 1),
    }


# Database ------------------------------------------------------------------------------------


def _maintenance_url(url: str) -> tuple[str, str]:
    """(URL of the ``postgres`` maintenance database, name of the bench database)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name in {"postgres", "template0", "template1"}:
        sys.exit("run.py: --postgres needs a bench-only database name, e.g. .../sw_bench")
    return urlunsplit(parts._replace(path="/postgres")), name


def _recreate_postgres(url: str, *, drop_only: bool = False) -> None:
    import psycopg
    from psycopg import sql

    maintenance, name = _maintenance_url(url)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _configure(home: Path, postgres: str | None) -> None:
    """Environment for settings.py; must run before ``django.setup()``."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "schildwacht.settings"
    os.environ["SCHILDWACHT_HOME"] = str(home)
    os.environ.setdefault("SCHILDWACHT_ALLOWED_HOSTS", "testserver")
    os.environ.pop("SCHILDWACHT_TESTING", None)
    os.environ.pop("SCHILDWACHT_DEBUG", None)
    if postgres:
        os.environ["SCHILDWACHT_DATABASE_URL"] = postgres
    else:
        os.environ.pop("SCHILDWACHT_DATABASE_URL", None)


# Measurements --------------------------------------------------------------------------------


def _timed(function: Callable[[], Any], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        samples.append(time.perf_counter() - began)
    return samples


def _queries(function: Callable[[], Any]) -> tuple[int, list[dict[str, Any]]]:
    """Number of queries of one call, and the five slowest (for finding a missed target)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    slowest = sorted(captured.captured_queries, key=lambda q: float(q["time"]), reverse=True)[:5]
    return len(captured), [
        {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:600]} for q in slowest
    ]


def _get(client: Any, url: str, content_type: str = "text/html") -> Callable[[], Any]:
    def request() -> Any:
        response = client.get(url, secure=True)
        if response.status_code != 200 or content_type not in response["Content-Type"]:
            raise SystemExit(f"run.py: GET {url} answered {response.status_code}")
        return response

    return request


def _signed_in(user: Any) -> Any:
    """A test client signed in with the second factor done, as tests/personas.py ``login`` does."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from schildwacht.accounts.middleware import SESSION_GENERATION_KEY
    from schildwacht.accounts.models import AuthenticatorDevice

    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = AuthenticatorDevice.objects.get(user=user).persistent_id
    session[SESSION_GENERATION_KEY] = user.session_generation
    session.save()
    return client


def measure(sector: Any) -> dict[str, Any]:
    """Every measurement of the issue against the generated ``sector``."""
    from generate_sector import create_coordinator

    from schildwacht.accounts.models import User
    from schildwacht.assessments.models import Assessment, AssessmentStatus
    from schildwacht.assessments.services import create_assessment
    from schildwacht.audit.services import Actor
    from schildwacht.frameworks.models import Framework
    from schildwacht.organisations.models import Organisation

    user = User.objects.get(pk=sector.coordinator_id)
    client = _signed_in(user)

    board = Organisation.objects.get(pk=sector.board_id)
    metingen = list(
        Assessment.objects.filter(organisation=board)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    dashboard_url = f"/rapportage/{board.pk}/"
    compare_url = f"/metingen/{metingen[-1]}/vergelijken/?met={metingen[0]}"
    pdf_url = f"/rapportage/{board.pk}/bestuursrapport.pdf"
    dashboard = _get(client, dashboard_url)
    compare = _get(client, compare_url)
    pdf = _get(client, pdf_url, "application/pdf")

    results: dict[str, Any] = {}
    # One untimed request of each page first: template compilation and imports are start-up cost.
    for request in (dashboard, compare, pdf):
        request()

    print(f"dashboard: {REPEAT['dashboard']} requests …", flush=True)
    count, slowest = _queries(dashboard)
    results["dashboard"] = {
        **_summary(_timed(dashboard, REPEAT["dashboard"])),
        "queries": count,
        "slowest_queries": slowest,
        "url": dashboard_url,
    }
    # The same page for a board of median size, read by a second coordinator of that board.
    typical_url = f"/rapportage/{sector.typical_board_id}/"
    typical = _get(
        _signed_in(
            create_coordinator(
                Organisation.objects.get(pk=sector.typical_board_id), "typical@bench.invalid"
            )
        ),
        typical_url,
    )
    typical()
    count, slowest = _queries(typical)
    results["dashboard_typical"] = {
        **_summary(_timed(typical, REPEAT["dashboard"])),
        "queries": count,
        "slowest_queries": slowest,
        "url": typical_url,
    }
    print(f"compare: {REPEAT['compare']} requests …", flush=True)
    count, slowest = _queries(compare)
    results["compare"] = {
        **_summary(_timed(compare, REPEAT["compare"])),
        "queries": count,
        "slowest_queries": slowest,
        "url": compare_url,
    }
    print(f"pdf: {REPEAT['pdf']} requests …", flush=True)
    count, slowest = _queries(pdf)
    results["pdf"] = {
        **_summary(_timed(pdf, REPEAT["pdf"])),
        "queries": count,
        "slowest_queries": slowest,
        "bytes": len(pdf().content),
        "url": pdf_url,
    }

    print(f"meting copy: {REPEAT['copy']} times …", flush=True)
    framework = Framework.objects.get(pk=sector.framework_id)
    copies: list[float] = []

    def copy(title: str) -> Any:
        # A fresh user object per copy, as each request has: its reach is worked out again.
        actor = Actor.for_user(User.objects.get(pk=user.pk))
        board = Organisation.objects.get(pk=sector.board_id)
        began = time.perf_counter()
        assessment = create_assessment(actor, board, framework, title)
        copies.append(time.perf_counter() - began)
        assert assessment.previous is not None
        # Approve it (outside the timing), so the next copy starts from this one.
        Assessment.objects.filter(pk=assessment.pk).update(status=AssessmentStatus.APPROVED)
        return assessment

    count, slowest = _queries(lambda: copy("Bench kopie 0"))
    copies.clear()  # the first copy counts queries (and warms up); it is not timed
    for i in range(1, REPEAT["copy"] + 1):
        assessment = copy(f"Bench kopie {i}")
    results["copy"] = {
        **_summary(copies),
        "queries": count,
        "slowest_queries": slowest,
        "scores_per_copy": assessment.scores.count(),
    }
    # The board now has 4 + 21 metingen: the dashboard must need the same number of queries.
    results["dashboard"]["queries_after_copies"] = _queries(dashboard)[0]
    return results


def _database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("show server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def _analyze() -> None:
    """PostgreSQL: fresh statistics, as autovacuum has them in production after a bulk load."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _table(results: dict[str, Any]) -> str:
    rows = [
        ("meting copy", "copy", "p95_ms", "copy"),
        ("dashboard", "dashboard", "p95_ms", "dashboard"),
        ("dash. typical", "dashboard_typical", "p95_ms", "dashboard"),
        ("compare", "compare", "p95_ms", None),
        ("PDF", "pdf", "max_ms", "pdf"),
    ]
    lines = [
        f"{'':14} {'n':>4} {'p50 ms':>9} {'p95/max ms':>11} {'target':>8} {'ratio':>6} {'queries':>8}"
    ]
    for label, key, worst, target in rows:
        r = results[key]
        goal = TARGETS_MS.get(target or "")
        ratio = f"{r[worst] / goal:.2f}" if goal else "–"
        lines.append(
            f"{label:14} {r['n']:>4} {r['p50_ms']:>9.1f} {r[worst]:>11.1f} "
            f"{goal or '–':>8} {ratio:>6} {r['queries']:>8}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", metavar="URL", help="run on PostgreSQL (bench-only db name)")
    parser.add_argument("--scale", type=float, default=1.0, help="share of the sector size")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="sw-bench-"))
    _configure(home, args.postgres)
    if args.postgres:
        _recreate_postgres(args.postgres)
    sys.path.insert(0, str(BENCH_DIR))
    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    import generate_sector

    # WeasyPrint reports every layout step at INFO; the benchmark output is the table.
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

    try:
        print(f"migrating a fresh database in {home if not args.postgres else args.postgres} …")
        call_command("migrate", verbosity=0)
        # The shipped catalogue too, so the dashboard shows the eleven basismaatregelen.
        call_command("loadcatalogues", verbosity=0)
        boards = max(2, round(1300 * args.scale))
        schools = max(2, round(7500 * args.scale))
        print(f"generating {boards} boards, {schools} schools (scale {args.scale}) …", flush=True)
        sector = generate_sector.generate(boards=boards, schools=schools)
        print(f"generated in {sector.seconds} s; analysing …", flush=True)
        _analyze()
        version = _database_version()
        load_before = os.getloadavg()
        results = measure(sector)
        load_after = os.getloadavg()
    finally:
        connections.close_all()
        if args.postgres and not args.keep:
            _recreate_postgres(args.postgres, drop_only=True)
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)

    vendor = "postgresql" if args.postgres else "sqlite"
    report = {
        "database": version,
        "scale": args.scale,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            # Other work on the machine shows here; the figures are wall-clock times.
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
        "data": asdict(sector),
        "targets_ms": TARGETS_MS,
        "results": results,
    }
    output = BENCH_DIR / f"results-{vendor}.json"
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print()
    print(
        f"{version}, scale {args.scale}: {sector.boards} boards, {sector.schools} schools, "
        f"{sector.metingen} metingen, {sector.scores} scores (average level "
        f"{sector.average_level}); generated in {sector.seconds} s"
    )
    print(
        f"boards read: largest {sector.board_schools} schools, typical (median) "
        f"{sector.typical_board_schools}; load average {load_before[0]:.2f} "
        f"before, {load_after[0]:.2f} after the measurements ({os.cpu_count()} cores)"
    )
    print(_table(results))
    print(
        f"dashboard queries after 21 more metingen: {results['dashboard']['queries_after_copies']}"
    )
    print(f"written to {output}")


if __name__ == "__main__":
    main()
