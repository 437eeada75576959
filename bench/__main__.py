"""`make bench`: every benchmark, each in its own interpreter, then one results table.

    .venv/bin/python -m bench [--quick] [--out bench/results]

Writes `<out>/results.json` and `<out>/results.md` (the table the README quotes) beside each piece's
own JSON. `--quick` runs every piece at a tiny size (the smoke test in tests/bench uses it): the code
paths are the same, the figures mean nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import cost

ROOT = Path(__file__).resolve().parents[1]
FULL = {
    "coldstart": ["--runs", "9", "--package"],
    "apptime": ["--repeats", "200"],
    "throughput": ["--workers", "2", "--requests", "100", "--rounds", "3"],
    "calls": ["--tickets", "3"],
    "badges": ["--agents", "1000", "--small-agents", "100", "--events", "10000,100000"],
}
QUICK = {
    "coldstart": ["--runs", "1"],
    "apptime": ["--repeats", "3"],
    "throughput": ["--workers", "2", "--requests", "4", "--rounds", "1"],
    "calls": ["--tickets", "2"],  # one confirm through the JSON route, one through the e-mail's page
    "badges": ["--agents", "12", "--small-agents", "6", "--events", "100,1000"],
}
TARGETS = {
    "cold start ratio": ("≤ 1.15", lambda r: r["coldstart"]["ratio"] <= 1.15),
    "DynamoDB requests per interactive route": ("≤ 3", lambda r: _max_requests(r) <= 3),
    "app time per interactive route": ("median ≤ 2 ms", lambda r: r["apptime"]["max_app_ms_median"] <= 2),
    "throughput: the app against the same requests without it": (
        "≥ 0.9",
        lambda r: r["throughput"]["ratio_to_same_work_raw"] >= 0.9,
    ),
    "Scans": (
        "0",
        lambda r: r["calls"]["scans"] == 0 and all(b["by_operation"].get("Scan", 0) == 0 for b in r["badges"]["runs"]),
    ),
    "badge job reads, most events / fewest": (
        "≤ 1.05",
        lambda r: max(v for k, v in r["badges"].items() if k.startswith("read_ratio")) <= 1.05,
    ),
    "monthly bill": ("≤ $5", lambda r: r["cost"]["total_usd"] <= 5),
}


def run_piece(name: str, args: list[str], out: Path) -> dict[str, Any]:
    target = out / f"{name}.json"
    started = time.monotonic()
    log = out / f"{name}.log"
    with log.open("w") as output:
        done = subprocess.run(
            [sys.executable, "-m", f"bench.{name}", *args, "--json", str(target)],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    if done.returncode:
        raise SystemExit(f"bench.{name} failed (exit {done.returncode}); see {log}")
    print(f"bench.{name}: {time.monotonic() - started:.0f} s", flush=True)
    result: dict[str, Any] = json.loads(target.read_text())
    return result


def _excepted(results: dict[str, Any]) -> set[str]:
    """Routes the request budget excepts (tests/support/request_budget.py), as `METHOD /path`."""
    return {row["route"] for row in results["apptime"]["rows"] if not row["interactive"]}


def _max_requests(results: dict[str, Any]) -> int:
    """Most DynamoDB requests of an interactive route: every declared route at its dearest (bench/apptime.py
    replays the request-budget scenarios) and the routes of the lifecycle (bench/calls.py)."""
    excepted = _excepted(results)
    every = [r["requests"] for r in results["apptime"]["rows"] if r["interactive"]]
    lifecycle = [
        r["requests_max"] for r in results["calls"]["rows"] if r["kind"] == "route" and r["name"] not in excepted
    ]
    return max(every + lifecycle)


def summary_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    c, t, k, b, a = (results[n] for n in ("coldstart", "throughput", "calls", "badges", "apptime"))
    big = max(b["runs"], key=lambda r: (r["agents"], r["events"]))
    small_agents = min(r["agents"] for r in b["runs"])
    ratio_key = f"read_ratio_{small_agents}_agents"
    small = [r for r in b["runs"] if r["agents"] == small_agents]
    excepted = sorted(_excepted(results))
    dearest = {r["route"]: r["requests"] for r in a["rows"] if not r["interactive"]}
    figures = {
        "cold start ratio": f"{c['ratio']} (import app {c['import_app_ms']} ms / import chalice, boto3 "
        f"{c['import_chalice_boto3_ms']} ms, median of {c['runs']} alternating fresh interpreters); the "
        f"ticket routes' first request adds its module: {c['first_ticket_request_imports_ms']} ms "
        f"({c['first_ticket_request_ratio']})" + (f"; deployment.zip {c['zip_mb']} MB" if "zip_mb" in c else ""),
        "DynamoDB requests per interactive route": (
            f"most {_max_requests(results)} over {len({r['route'] for r in a['rows'] if r['interactive']})} "
            f"routes at their dearest and the lifecycle's {sum(1 for r in k['rows'] if r['kind'] == 'route')}; "
            f"excepted: {', '.join(f'{n} {dearest.get(n, 0)}' for n in excepted)}; functions most "
            f"{k['max_requests_per_function']}"
        ),
        "app time per interactive route": (
            f"slowest median {a['max_app_ms_median']} ms, slowest p99 {a['max_app_ms_p99']} ms, median route "
            f"{a['median_app_ms_median']} ms; the AWS clients {a['client_ms_per_request']} ms a request "
            f"({round(a['client_share'] * 100)} %); a bare Chalice route {a['bare_ms_median']} ms; over 2 ms: "
            f"{len(a['routes_over_target'])} routes (load average {a['load_average']['before'][0]} before, "
            f"{a['load_average']['after'][0]} after, on {_cores()} cores)"
        ),
        "throughput: the app against the same requests without it": (
            f"{t['ratio_to_same_work_raw']} ({t['tickets_per_second']} tickets/s through the handler, "
            f"{t['same_work_raw_per_second']}/s making the same requests directly, {t['workers']} processes; "
            "moto copies whole tables for each transaction, so this is the server's pace more than the app's)"
        ),
        "Scans": f"{k['scans']} in the lifecycle; "
        f"{sum(r['by_operation'].get('Scan', 0) for r in b['runs'])} in the badge job",
        "badge job reads, most events / fewest": (
            f"{b[ratio_key]} ({' vs '.join(str(r['reads']) for r in small)} reads at {small_agents} agents, "
            f"{' vs '.join(str(r['events']) for r in small)} events, "
            f"{' vs '.join(str(r['seconds']) for r in small)} s); {big['agents']} agents one company-day: "
            f"{big['seconds']} s, {big['reads']} reads, {big['writes']} writes"
        ),
        "monthly bill": f"${results['cost']['total_usd']} for {results['cost']['company']}",
    }
    rows = []
    for name, (target, check) in TARGETS.items():
        rows.append((name, figures[name], target, "met" if check(results) else "missed"))
    return rows


def markdown(results: dict[str, Any]) -> str:
    from bench import apptime as apptime_bench
    from bench import calls as calls_bench

    lines = [
        f"Benchmarks of {results['date']} ({results['mode']} run, {results['machine']})",
        "",
        "| measure | figure | target | |",
        "|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in summary_rows(results)]
    lines += [
        "",
        "App time per route: every declared route at its dearest, its DynamoDB answers replayed instantly "
        f"({results['apptime']['repeats']} runs each; CPU ms of the Lambda entry point):",
        "",
        apptime_bench.markdown(results["apptime"]),
        "",
        "DynamoDB requests per route and function (full lifecycle with tips and ratings):",
        "",
        calls_bench.markdown(results["calls"]),
        "",
        cost.markdown(results["cost"]),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the code, not the figures")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rebuild the table (and the cost model) from the pieces' JSON already in --out",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    sizes = QUICK if args.quick else FULL
    started = time.monotonic()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).date().isoformat(),
        "mode": "quick" if args.quick else "full",
        "machine": f"{_cores()} cores, Python {sys.version.split()[0]}",
    }
    for name, piece_args in sizes.items():
        if args.report_only:
            results[name] = json.loads((args.out / f"{name}.json").read_text())
            results["date"] = json.loads((args.out / "results.json").read_text())["date"]
        else:
            results[name] = run_piece(name, piece_args, args.out)
    results["cost"] = cost.monthly_bill(results["calls"], results["coldstart"], results["apptime"])
    results["targets"] = {
        name: {"figure": figure, "target": target, "outcome": outcome}
        for name, figure, target, outcome in summary_rows(results)
    }
    results["seconds"] = round(time.monotonic() - started)
    if args.report_only:
        results["seconds"] = json.loads((args.out / "results.json").read_text())["seconds"]
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (args.out / "results.md").write_text(table)
    print(table)
    print(f"bench: {results['seconds']} s; written to {args.out}")
    return results


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    main()
