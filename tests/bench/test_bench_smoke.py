"""`make bench` at a tiny size: every piece runs through its real entry point (`python -m bench`) and
the results are well formed. Not a timed test: the figures of a quick run mean nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.request_budget import EXCEPTIONS

ROOT = Path(__file__).resolve().parents[2]


def test_a_quick_bench_run_writes_every_figure_and_the_table_the_readme_quotes(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DYNAMODB_", "SES_", "TABLE_"))}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())

    assert set(results["targets"]) == {
        "cold start ratio",
        "DynamoDB requests per interactive route",
        "app time per interactive route",
        "throughput: the app against the same requests without it",
        "Scans",
        "badge job reads, most events / fewest",
        "monthly bill",
    }
    assert all(t["outcome"] in ("met", "missed") and t["figure"] for t in results["targets"].values())
    assert results["coldstart"]["import_app_ms"] > 0 and results["coldstart"]["ratio"] > 0
    throughput = results["throughput"]
    assert (
        min(throughput["tickets_per_second"], throughput["putitem_per_second"], throughput["same_work_raw_per_second"])
        > 0
    )

    replayed = results["apptime"]["rows"]
    routes = {row["route"] for row in replayed}
    assert "POST /tickets/next" in routes and "GET /tips/summary" in routes and len(routes) >= 60
    assert all(min(row["app_ms_median"], row["bare_ms_median"], row["app_ms_p99"]) > 0 for row in replayed)
    assert all(row["requests"] <= 3 for row in replayed if row["interactive"])
    excepted = {f"{method} {path}" for method, path in EXCEPTIONS}
    assert {row["route"] for row in replayed if not row["interactive"]} == excepted

    measured = {row["name"]: row for row in results["calls"]["rows"]}
    for name in (
        "POST /intake/{intake_key}/tickets",
        "POST /tickets/next",
        "POST /customer/tickets/{link}/confirm",
        "POST /rate/{link}",
        "GET /tip/{link}",
        "POST /tips/webhooks/partner",
        "POST /tickets/{ticket_id}/customer-rating",
        "on_ticket_change",
        "send_tip_email",
        "update_karma",
        "award_badges",
        "flag_sla_breaches",
        "GET /desk",
        "GET /desk/tickets/{ticket_id}",
        "GET /desk/pulse",
        "POST /signin/{token}",
    ):
        assert measured[name]["invocations"] >= 1, name
    ui = results["cost"]["staff_ui"]
    assert ui["requests_per_agent_hour"] > ui["pulse_requests_per_agent_hour"] > 0 and ui["usd_a_month"] > 0
    assert measured["POST /intake/{intake_key}/tickets"]["operations_per_invocation"]["TransactWriteItems"] == 1
    assert measured["POST /intake/{intake_key}/tickets"]["write_units"] > 0
    assert measured["send_tip_email"]["requests_max"] > 0  # the e-mail was claimed and recorded

    runs = results["badges"]["runs"]
    assert [r["events"] for r in runs if r["agents"] == 6] == [100, 1000]
    assert all(r["rerun"]["writes"] == 0 for r in runs)  # a rerun of a finished day writes nothing

    bill = results["cost"]
    assert bill["total_usd"] == round(sum(bill["items"].values()), 2) > 0
    table = (tmp_path / "results.md").read_text()
    assert "| measure | figure | target | |" in table and "| **total** |" in table and bill["prices_date"] in table
