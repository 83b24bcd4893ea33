"""``schildwacht detect``: offline detection over log files, without a database or secret key.

It prints one JSON object per alert on stdout and a summary on stderr (per file: records read,
events kept, duplicates, refused records with their line and reason; the rules run and the
rules skipped with their reason). Exit status 0 when it ran, 2 when the command line is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from schildwacht.detection.engine.alerts import Alert, run_rules
from schildwacht.detection.engine.ingest import Batch, connect
from schildwacht.detection.engine.reading import REFUSAL_CODES, REPORT_LIMIT, FileReport, Refusal
from schildwacht.detection.engine.rulepack import RulePack, load_rule_pack
from schildwacht.detection.engine.sources import sources


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="schildwacht detect",
        description="Run Schildwacht's detection rules over log files and print the alerts "
        "as JSON lines.",
    )
    parser.add_argument(
        "--source", required=True, choices=sorted(sources()), help="what the files hold"
    )
    parser.add_argument(
        "--rules",
        action="append",
        type=Path,
        default=[],
        help="extra Sigma rule file or folder (may be repeated)",
    )
    parser.add_argument(
        "--only-rules",
        action="store_true",
        help="run only the rules given with --rules, not the bundled pack",
    )
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB memory limit (1GB)")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (2)")
    parser.add_argument(
        "--work-dir",
        type=Path,
        help="folder for DuckDB's spill files (a temporary folder inside the system's "
        "temporary folder, or TMPDIR, by default); needs room for the events that do not fit "
        "in memory",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    return parser


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    missing = [str(path) for path in args.files if not path.is_file()]
    if missing:
        parser.error("no such file: " + ", ".join(missing))
    source = sources()[args.source]
    started = time.perf_counter()
    pack = load_rule_pack(args.rules, bundled=not args.only_rules)
    if args.work_dir is not None and not args.work_dir.is_dir():
        parser.error(f"no such folder: {args.work_dir}")
    with tempfile.TemporaryDirectory(prefix="schildwacht-detect-", dir=args.work_dir) as work:
        # An in-memory database that spills to the work folder: a year of logs does not fit
        # in memory, and what fits is three times faster than a database file.
        con = connect(memory_limit=args.memory_limit, threads=args.threads, temp_directory=work)
        batch = Batch(con)
        reports = [batch.read(path, source) for path in args.files]
        batch.view()  # ``events``, which the rules read
        alerts = run_rules(con, pack, [source.name])
        con.close()
    out = sys.stdout
    for alert in alerts:
        out.write(json.dumps(alert.as_dict(), ensure_ascii=False) + "\n")
    _summary(reports, pack, alerts, time.perf_counter() - started)
    return 0


def export_main(argv: list[str]) -> int:
    """``schildwacht sigma export --target T [--rules PATH] [--output FILE]``."""
    from schildwacht.detection.engine.export import TARGETS, export_rules

    parser = argparse.ArgumentParser(
        prog="schildwacht sigma",
        description="Write the rule pack as queries for a SIEM, listing what it cannot take.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export", help="convert the rule pack for a SIEM")
    export.add_argument("--target", required=True, choices=TARGETS)
    export.add_argument("--rules", action="append", type=Path, default=[])
    export.add_argument("--output", type=Path, help="write here instead of stdout")
    args = parser.parse_args(argv)
    extra = []
    for path in args.rules:
        extra.extend(sorted(path.rglob("*.y*ml")) if path.is_dir() else [path])
    result = export_rules(args.target, extra)
    text = json.dumps(result.as_dict(), indent=2, ensure_ascii=False) + "\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    for rule_id, reason in result.not_exported:
        sys.stderr.write(f"not exported: {rule_id}: {reason}\n")
    sys.stderr.write(
        f"{len(result.rules)} rules exported for {args.target}, "
        f"{len(result.not_exported)} not exported\n"
    )
    return 0


def _summary(
    reports: list[FileReport], pack: RulePack, alerts: list[Alert], seconds: float
) -> None:
    err = sys.stderr
    for report in reports:
        err.write(
            f"{report.path}: {report.records} records, {report.events} events"
            f" ({', '.join(f'{k} {v}' for k, v in report.shapes.items()) or 'no shape'}),"
            f" {report.duplicates} duplicates, {report.refused} refused\n"
        )
        for refusal in report.refusals:
            err.write(_entry_line(refusal))
        for notice in report.notices:
            err.write(_entry_line(notice, "warning: "))
        if len(report.refusals) >= REPORT_LIMIT and report.refused > len(report.refusals):
            # One entry may stand for many records (a damaged EVTX chunk): say the list was
            # cut, not how many entries are missing.
            err.write(f"  … only the first {REPORT_LIMIT} are listed\n")
    for skipped in pack.skipped:
        err.write(f"rule skipped: {skipped.rule} in {skipped.origin}: {skipped.reason}\n")
    by_rule = Counter(alert.rule_id for alert in alerts)
    listed = ", ".join(f"{rule} {count}" for rule, count in sorted(by_rule.items()))
    err.write(
        f"{len(alerts)} alerts ({listed or 'none'}); {len(pack.rules)} rules run, "
        f"{len(pack.skipped)} skipped; {seconds:.1f} s\n"
    )


def _entry_line(entry: Refusal, prefix: str = "") -> str:
    where = f"record {entry.record_no}" if entry.record_no else "file"
    meaning = REFUSAL_CODES.get(entry.code, entry.code)
    detail = f" ({entry.detail})" if entry.detail else ""
    return f"  {where}: {prefix}{meaning}{detail}\n"
