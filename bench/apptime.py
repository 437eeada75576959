"""The app's own time per route: each route's DynamoDB answers replayed instantly, the CPU time of the
Lambda entry point measured, next to a bare Chalice route returning the same body.

    .venv/bin/python -m bench.apptime [--repeats 200] [--json out.json]

Two steps, each in its own interpreter:

1. record: a company at work in moto (the route scenarios of tests/functional/route_scenarios.py, the
   ones the request-budget test counts: every declared route at its dearest case). For each request, the
   Lambda event API Gateway would send and every DynamoDB HTTP answer (status, headers, body), in order.
2. replay, in a fresh interpreter with no database at all: botocore's HTTP session's send (which the
   DynamoDB client's direct path, chalicelib/db/client.py, uses too) is replaced by the recorded answers,
   so everything the app does runs (Chalice's routing and middleware, authentication, validation,
   PynamoDB, the AWS clients' serialising, signing and parsing, rendering) except the network and the
   database. Each request runs a few times to warm up (the first one imports the route's modules:
   that is cold start, measured by bench/coldstart.py), then `--repeats` times, timed with
   `time.process_time()` around `app.app(event, context)`; median and p99 per request, and the part of
   it spent inside the AWS clients' calls (tests/support/aws_calls.py: botocore's and the direct path's).
   The bare route is a Chalice app with one view returning the recorded body, invoked the same way.

The partner's API (tips opt-in) is answered by the same in-process mock the tests use (`responses`),
which is in the timed path of those two routes.
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 2.0
WEBHOOK = "/tips/webhooks/partner"


# ----------------------------------------------------------------------------------------- recording


class Recorder:
    """DynamoDB's HTTP answers while a request is recorded, and the Lambda event the app was given."""

    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] | None = None
        self.event: dict[str, Any] | None = None
        self.other: dict[str, dict[str, Any]] = {}  # other services' answers (SES) by action, the last one

    def install(self, app: Any) -> None:
        from botocore.httpsession import URLLib3Session

        original = URLLib3Session.send
        recorder = self

        def send(session: Any, request: Any) -> Any:
            response = original(session, request)
            target = _target(request)
            answer = {
                "operation": target.split(".")[-1],
                "status": response.status_code,
                "headers": dict(response.headers),
                "body": base64.b64encode(response.content).decode(),
            }
            if recorder.answers is not None and target.startswith("DynamoDB_"):
                recorder.answers.append(answer)
            elif not target.startswith("DynamoDB_"):
                recorder.other[_action(request)] = answer
            return response

        URLLib3Session.send = send

        def capture(request: Any, get_response: Any) -> Any:
            recorder.event = request.to_original_event()
            return get_response(request)

        app.register_middleware(capture, "http")


def record(out: Path) -> dict[str, Any]:
    """Drive every route's scenario against moto; write the events and answers to `out`."""
    import logging

    test_environment = _environment()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from chalice.test import Client

    import app
    from chalicelib.db.catalog import create_missing_tables
    from devstack.moto import MotoServer

    names = ("conftest", "route_scenarios", "routes", "tips_helpers", "staff_helpers")
    conftest, scenarios, routes, tips, staff = (_tests(n) for n in names)
    Api, sign_up, playing_partner = conftest.Api, staff.sign_up_company, tips.playing_partner
    endpoints, route_id = routes.endpoints, routes.route_id

    server = MotoServer("127.0.0.1", test_environment.MOTO_PORT).start()
    recorder = Recorder()
    recorder.install(app.app)
    recorded: list[dict[str, Any]] = []
    try:
        create_missing_tables()
        with Client(app.app, stage_name="local") as client:
            api = Api(client)
            with playing_partner(api) as partner:
                world = scenarios.build_world(sign_up(api), client, partner)
                for endpoint in endpoints("bearer", "session", "link", "public", "visitor"):
                    world.drain()
                    scenario = scenarios.SCENARIOS.get((endpoint.method, endpoint.path), scenarios.default)
                    for request in scenario(world, endpoint):
                        recorder.answers, recorder.event = [], None
                        status, body = request.send(world)
                        answers, recorder.answers = recorder.answers, None
                        if status >= 400 or recorder.event is None:
                            raise RuntimeError(f"{route_id(endpoint)} ({request.label}): {status} {body[:200]}")
                        recorded.append(
                            {
                                "route": route_id(endpoint),
                                "label": request.label,
                                "status": status,
                                "event": recorder.event,
                                "answers": answers,
                            }
                        )
    finally:
        server.stop()
    result = {"requests": recorded, "other": recorder.other}
    out.write_text(json.dumps(result))
    return result


# ------------------------------------------------------------------------------------------- replay


class Raw:
    """What botocore reads a response body from."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


def _target(request: Any) -> str:
    """The X-Amz-Target a request names (botocore sends bytes, the DynamoDB client's direct path str)."""
    target = request.headers.get("X-Amz-Target", b"")
    return target if isinstance(target, str) else str(target, "utf-8", "replace")


def _action(request: Any) -> str:
    """A query-protocol request's action (SES: `Action=SendRawEmail&...`)."""
    from urllib.parse import parse_qs

    body = request.body or b""
    text = body.decode() if isinstance(body, bytes) else str(body)
    return parse_qs(text).get("Action", ["?"])[0]


class Replay:
    """botocore's HTTP send answered from a recording: DynamoDB's in order, other services' (SES, which
    routes that mail call) by action; time spent in the AWS clients' calls counted."""

    def __init__(self) -> None:
        self.queue: list[dict[str, Any]] = []
        self.other: dict[str, dict[str, Any]] = {}
        self.client_seconds = 0.0

    def install(self) -> None:
        from botocore.awsrequest import AWSResponse
        from botocore.httpsession import URLLib3Session

        from tests.support.aws_calls import wrap_api_calls

        replay = self

        def send(session: Any, request: Any) -> Any:
            target = _target(request)
            if not target.startswith("DynamoDB_"):
                action = _action(request)
                if action not in replay.other:
                    raise RuntimeError(f"no recorded answer for {action} at {request.url}")
                answer = replay.other[action]
                return AWSResponse(
                    request.url, answer["status"], answer["headers"], Raw(base64.b64decode(answer["body"]))
                )
            if not replay.queue:
                raise RuntimeError(f"the app asked more than was recorded: {request.url}")
            answer = replay.queue.pop(0)
            return AWSResponse(request.url, answer["status"], answer["headers"], Raw(answer["content"]))

        def timed(call: Any, client: Any, operation: str, params: dict[str, Any]) -> Any:
            started = time.process_time()
            try:
                return call(client, operation, params)
            finally:
                replay.client_seconds += time.process_time() - started

        URLLib3Session.send = send
        wrap_api_calls(timed)


def _resigned(event: dict[str, Any]) -> dict[str, Any]:
    """A partner webhook signed now (its timestamp must be within five minutes)."""
    from datetime import UTC, datetime

    signed = _tests("route_scenarios").signed
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    fresh = signed(headers["webhook-id"], event["body"], datetime.now(UTC))
    merged = {**event["headers"], **fresh}
    return {**event, "headers": merged, "multiValueHeaders": {k: [v] for k, v in merged.items()}}


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _environment() -> Any:
    """The functional tests' environment (a local stage, dummy credentials, moto's endpoint on a free
    port), set before anything imports app.py or PynamoDB models."""
    import importlib

    sys.path.insert(0, str(ROOT))
    return importlib.import_module("tests.conftest")


def _tests(name: str) -> Any:
    """A module of tests/functional (the route scenarios and their helpers), imported by name so that
    type checking of the product does not walk into the tests."""
    import importlib

    return importlib.import_module(f"tests.functional.{name}")


def replay(recordings: Path, repeats: int) -> dict[str, Any]:
    _environment()  # the same environment as at recording; nothing listens on the endpoint
    from chalice import Chalice, Response

    import app
    from bench.throughput import Context

    Api, playing_partner = _tests("conftest").Api, _tests("tips_helpers").playing_partner

    data = json.loads(recordings.read_text())
    for item in data["requests"]:
        for answer in item["answers"]:  # decoded once here, not in the timed path
            answer["content"] = base64.b64decode(answer["body"])
    player = Replay()
    player.other = data.get("other", {})
    player.install()
    bare = Chalice(app_name="bare")
    shown: dict[str, Any] = {}

    @bare.route("/bare")
    def bare_view() -> Any:
        return Response(body=shown["body"], status_code=shown["status"], headers=shown["headers"])

    bare_event = {
        "resource": "/bare",
        "path": "/bare",
        "httpMethod": "GET",
        "headers": {"host": "bench.test"},
        "multiValueHeaders": {"host": ["bench.test"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"resourcePath": "/bare", "httpMethod": "GET", "path": "/api/bare", "stage": "api"},
        "body": None,
        "isBase64Encoded": False,
    }
    context = Context()
    rows = []
    with playing_partner(Api(None)):
        for item in data["requests"]:
            event = _resigned(item["event"]) if item["route"] == f"POST {WEBHOOK}" else item["event"]

            def once(event: dict[str, Any] = event, item: dict[str, Any] = item) -> tuple[float, float, Any]:
                player.queue = list(item["answers"])
                player.client_seconds = 0.0
                started = time.process_time()
                response = app.app(event, context)
                spent = time.process_time() - started
                if player.queue:
                    raise RuntimeError(f"{item['route']}: {len(player.queue)} recorded answers left unasked")
                return spent, player.client_seconds, response

            for _ in range(3):  # the first one imports the route's modules (cold start, measured elsewhere)
                _, _, response = once()
            if response["statusCode"] != item["status"]:
                raise RuntimeError(f"{item['route']} ({item['label']}): {response['statusCode']} != {item['status']}")
            gc.collect()
            app_times, client_times = [], []
            for _ in range(repeats):
                spent, in_client, _ = once()
                app_times.append(spent)
                client_times.append(in_client)
            shown.update(body=response.get("body") or "", status=response["statusCode"], headers=response["headers"])
            bare(bare_event, context)
            gc.collect()
            bare_times = []
            for _ in range(repeats):
                started = time.process_time()
                bare(bare_event, context)
                bare_times.append(time.process_time() - started)
            rows.append(
                {
                    "route": item["route"],
                    "label": item["label"],
                    "requests": len(item["answers"]),
                    "app_ms_median": round(statistics.median(app_times) * 1000, 3),
                    "app_ms_p99": round(_percentile(app_times, 0.99) * 1000, 3),
                    "client_ms_median": round(statistics.median(client_times) * 1000, 3),
                    "bare_ms_median": round(statistics.median(bare_times) * 1000, 3),
                }
            )
    return {"repeats": repeats, "rows": rows}


# ---------------------------------------------------------------------------------------------- run


def run(repeats: int) -> dict[str, Any]:
    """Record, then replay in a fresh interpreter; the figures with the load of the machine around them."""
    _environment()
    from tests.support.request_budget import EXCEPTIONS

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        recordings, figures = Path(folder) / "recordings.json", Path(folder) / "replay.json"
        for step, extra in (("record", []), ("replay", ["--repeats", str(repeats)])):
            target = recordings if step == "record" else figures
            command = [sys.executable, "-m", "bench.apptime", step, "--recordings", str(recordings)]
            subprocess.run([*command, "--out", str(target), *extra], cwd=ROOT, check=True)
        result: dict[str, Any] = json.loads(figures.read_text())
    excepted = {" ".join(key) for key in EXCEPTIONS}
    for row in result["rows"]:
        row["interactive"] = row["route"] not in excepted
    interactive = [r for r in result["rows"] if r["interactive"]]
    with_requests = [r for r in result["rows"] if r["requests"]]
    result.update(
        {
            "max_app_ms_median": max(r["app_ms_median"] for r in interactive),
            "max_app_ms_p99": max(r["app_ms_p99"] for r in interactive),
            "median_app_ms_median": round(statistics.median(r["app_ms_median"] for r in interactive), 3),
            "routes_over_target": sorted({r["route"] for r in interactive if r["app_ms_median"] > TARGET_MS}),
            "client_ms_per_request": round(
                statistics.median(r["client_ms_median"] / r["requests"] for r in with_requests), 3
            ),
            "client_share": round(
                statistics.median(r["client_ms_median"] / r["app_ms_median"] for r in with_requests), 2
            ),
            "bare_ms_median": round(statistics.median(r["bare_ms_median"] for r in result["rows"]), 3),
            "load_average": {
                "before": [round(x, 2) for x in load_before],
                "after": [round(x, 2) for x in os.getloadavg()],
            },
        }
    )
    return result


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| route | case | DynamoDB requests | app ms median | p99 | in AWS calls (median) | bare Chalice route |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        mark = "" if r["interactive"] else " (excepted)"
        lines.append(
            f"| `{r['route']}`{mark} | {r['label'] or '-'} | {r['requests']} | {r['app_ms_median']:g} | "
            f"{r['app_ms_p99']:g} | {r['client_ms_median']:g} | {r['bare_ms_median']:g} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", nargs="?", choices=("all", "record", "replay"), default="all")
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--recordings", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.step == "record":
        return record(args.out)
    if args.step == "replay":
        result = replay(args.recordings, args.repeats)
        args.out.write_text(json.dumps(result))
        return result
    result = run(args.repeats)
    print(markdown(result))
    print(
        f"slowest route (median): {result['max_app_ms_median']} ms; over {TARGET_MS} ms: "
        f"{result['routes_over_target'] or 'none'}; AWS client per request {result['client_ms_per_request']} ms"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
