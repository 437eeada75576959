"""Throughput: tickets created per second through the API handler, against raw PutItem calls per second
on the same database server with the same concurrency, in the same run.

    .venv/bin/python -m bench.throughput [--workers 4] [--requests 150] [--rounds 3] [--json out.json]

The database is the local stack's moto server on loopback (`devstack.moto.MotoServer`: it handles one
request at a time, so it is the bottleneck both sides share, as a table's capacity would be). Each
worker is its own process (Chalice keeps the current request on the app object, as one Lambda
container serves one request at a time) and calls the real Lambda entry point, `app.app(event,
context)`, with API Gateway proxy events for `POST /intake/{intake_key}/tickets`, each from a new
customer. The reference workers put items of the same size straight into the tickets table with
boto3. Rounds alternate between the two; the medians' ratio is reported.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import secrets
import socket
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
INTAKE_PATH = "/intake/{intake_key}/tickets"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(moto_url: str) -> None:
    from devstack.environment import local_environment

    os.environ.update(local_environment(moto_url, "http://bench.test", {"APP_SECRET": "bench-secret"}))


def proxy_event(intake_key: str, body: dict[str, Any]) -> dict[str, Any]:
    """An API Gateway REST proxy event, as Lambda receives it."""
    path = INTAKE_PATH.format(intake_key=intake_key)
    headers = {"content-type": "application/json", "host": "bench.execute-api.us-east-1.amazonaws.com"}
    return {
        "resource": INTAKE_PATH, "path": path, "httpMethod": "POST",
        "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": {"intake_key": intake_key}, "stageVariables": None,
        "requestContext": {"resourcePath": INTAKE_PATH, "httpMethod": "POST", "path": f"/api{path}",
                           "stage": "api", "requestId": secrets.token_hex(8),
                           "identity": {"sourceIp": "127.0.0.1", "userAgent": "bench"}},
        "body": json.dumps(body), "isBase64Encoded": False,
    }


class Context:
    function_name = "api_handler"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:api_handler"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def _api_worker(moto_url: str, intake_key: str, count: int, ready: Any, start: Any, done: Any) -> None:
    _environment(moto_url)
    sys.path.insert(0, str(ROOT))
    import app

    handler, context = app.app, Context()

    def create(n: int) -> None:
        body = {"subject": f"Printer {secrets.token_hex(6)}", "body": "Prints blank pages since this morning",
                "customer_name": "Ann", "customer_email": f"c{secrets.token_hex(8)}@example.com", "channel": "web"}
        response = handler(proxy_event(intake_key, body), context)
        if response["statusCode"] != 201:
            raise RuntimeError(f"intake answered {response['statusCode']}: {response['body'][:300]}")

    for n in range(3):  # warm: the first request builds schemas and clients
        create(n)
    ready.put(os.getpid())
    start.wait()
    began = time.perf_counter()
    for n in range(count):
        create(n)
    done.put(time.perf_counter() - began)


def _put_worker(moto_url: str, item_bytes: int, count: int, ready: Any, start: Any, done: Any) -> None:
    _environment(moto_url)
    sys.path.insert(0, str(ROOT))
    import boto3

    from chalicelib.db.models import Ticket

    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    table = Ticket.Meta.table_name
    keys = [k["AttributeName"] for k in Ticket._get_schema()["key_schema"]]

    def put() -> None:
        item = {key: {"S": f"bench_{secrets.token_hex(16)}"} for key in keys}
        item["payload"] = {"S": "x" * max(1, item_bytes - 120)}
        client.put_item(TableName=table, Item=item)

    for _ in range(3):
        put()
    ready.put(os.getpid())
    start.wait()
    began = time.perf_counter()
    for _ in range(count):
        put()
    done.put(time.perf_counter() - began)


def _round(target: Any, args: tuple[Any, ...], workers: int, count: int) -> float:
    """Requests per second of `workers` processes making `count` requests each, started together."""
    context = multiprocessing.get_context("spawn")
    ready, start, done = context.Queue(), context.Event(), context.Queue()
    processes = [context.Process(target=target, args=(*args, count, ready, start, done)) for _ in range(workers)]
    for process in processes:
        process.start()
    for _ in processes:  # each has imported and warmed up: the timed part is requests only
        ready.get(timeout=300)
    began = time.perf_counter()
    start.set()
    durations = [done.get(timeout=600) for _ in processes]
    wall = time.perf_counter() - began
    for process in processes:
        process.join(timeout=60)
        if process.exitcode:
            raise RuntimeError(f"a worker failed (exit {process.exitcode})")
    return workers * count / max(wall, max(durations))


def run(workers: int, count: int, rounds: int) -> dict[str, Any]:
    port = _free_port()
    moto_url = f"http://127.0.0.1:{port}"
    _environment(moto_url)
    from devstack.moto import MotoServer
    from devstack.tables import create_tables

    server = MotoServer("127.0.0.1", port).start()
    try:
        create_tables(moto_url)
        sys.path.insert(0, str(ROOT))
        from chalice.test import Client

        import app

        with Client(app.app, stage_name="local") as client:
            signup = client.http.post("/companies", headers={"content-type": "application/json"}, body=json.dumps(
                {"name": "Bench", "manager_name": "Mia", "manager_email": "mia@bench.test"}))
            intake_key = json.loads(signup.body)["company"]["intake_key"]
        from chalicelib.db.models import Ticket

        sample = next(iter(Ticket.query(json.loads(signup.body)["company"]["company_id"], limit=1)), None)
        item_bytes = len(json.dumps(sample.serialize())) if sample else 1000
        api_rates, put_rates = [], []
        for _ in range(rounds):
            put_rates.append(_round(_put_worker, (moto_url, item_bytes), workers, count))
            api_rates.append(_round(_api_worker, (moto_url, intake_key), workers, count))
    finally:
        server.stop()
    api, put = statistics.median(api_rates), statistics.median(put_rates)
    return {
        "server": "devstack.moto.MotoServer (moto on loopback, one request at a time)",
        "workers": workers, "requests_per_worker": count, "rounds": rounds,
        "tickets_per_second": round(api, 1), "putitem_per_second": round(put, 1), "ratio": round(api / put, 2),
        "tickets_per_second_rounds": [round(r, 1) for r in api_rates],
        "putitem_per_second_rounds": [round(r, 1) for r in put_rates],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = run(args.workers, args.requests, args.rounds)
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
