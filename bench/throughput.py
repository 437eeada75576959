"""Throughput: tickets created per second through the API handler, against raw PutItem calls per second
on the same database server with the same concurrency, in the same run.

    .venv/bin/python -m bench.throughput [--workers 2] [--requests 100] [--rounds 3] [--json out.json]

The database is the local stack's moto server on loopback (`devstack.moto.MotoServer`: it handles one
request at a time, so it is the bottleneck both sides share, as a table's capacity would be). Each
worker is its own process (Chalice keeps the current request on the app object, as one Lambda
container serves one request at a time) and calls the real Lambda entry point, `app.app(event,
context)`, with API Gateway proxy events for `POST /intake/{intake_key}/tickets`, each from a new
customer. The PutItem workers put items of a ticket's size straight into the tickets table with boto3
(whose DynamoDB client takes the same direct path for item operations as the app's, chalicelib/db/client.py).

A second reference shows where the time goes: "same work raw" workers make exactly the requests an
intake makes (one BatchGetItem of the company, the customer and their karma, one TransactWriteItems of
customer, ticket and message items of the same sizes, with fresh keys) without the app. moto copies every table a
transaction touches (to roll back), so its transactions get slower as tables grow: each round starts
from reset tables, and the rounds' medians are reported.
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
        "resource": INTAKE_PATH,
        "path": path,
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"intake_key": intake_key},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": INTAKE_PATH,
            "httpMethod": "POST",
            "path": f"/api{path}",
            "stage": "api",
            "requestId": secrets.token_hex(8),
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "bench"},
        },
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }


class Context:
    function_name = "api_handler"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:api_handler"
    aws_request_id = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def _timed(request: Any, count: int, ready: Any, start: Any, done: Any) -> None:
    """Warm up, report ready, wait for the common start, then time `count` requests."""
    for _ in range(3):  # the first requests build schemas, clients and connections
        request()
    ready.put(os.getpid())
    start.wait()
    began = time.perf_counter()
    for _ in range(count):
        request()
    done.put(time.perf_counter() - began)


def _api_worker(moto_url: str, intake_key: str, count: int, ready: Any, start: Any, done: Any) -> None:
    _environment(moto_url)
    sys.path.insert(0, str(ROOT))
    import app

    handler, context = app.app, Context()

    def create() -> None:
        body = {
            "subject": f"Printer {secrets.token_hex(6)}",
            "body": "Prints blank pages since this morning",
            "customer_name": "Ann",
            "customer_email": f"c{secrets.token_hex(8)}@example.com",
            "channel": "web",
        }
        response = handler(proxy_event(intake_key, body), context)
        if response["statusCode"] != 201:
            raise RuntimeError(f"intake answered {response['statusCode']}: {response['body'][:300]}")

    _timed(create, count, ready, start, done)


def _put_worker(moto_url: str, item_bytes: int, count: int, ready: Any, start: Any, done: Any) -> None:
    _environment(moto_url)
    sys.path.insert(0, str(ROOT))
    import boto3

    from chalicelib.db.models import Ticket  # (installs the app's DynamoDB client path, as the app has it)

    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")
    table = Ticket.Meta.table_name
    keys = [k["AttributeName"] for k in Ticket._get_schema()["key_schema"]]

    def put() -> None:
        item = {key: {"S": f"bench_{secrets.token_hex(16)}"} for key in keys}
        item["payload"] = {"S": "x" * max(1, item_bytes - 120)}
        client.put_item(TableName=table, Item=item)

    _timed(put, count, ready, start, done)


def _same_work_worker(moto_url: str, work: dict[str, Any], count: int, ready: Any, start: Any, done: Any) -> None:
    """An intake's requests, made directly: what the database alone allows for this work (through the
    same DynamoDB client path the app's requests take, chalicelib/db/client.py)."""
    _environment(moto_url)
    sys.path.insert(0, str(ROOT))
    import boto3

    from chalicelib.db import client as direct

    direct.install()
    client = boto3.client("dynamodb", endpoint_url=moto_url, region_name="us-east-1")

    def fresh(item: dict[str, Any], keys: list[str]) -> dict[str, Any]:
        return {**item, **{key: {"S": f"bench_{secrets.token_hex(16)}"} for key in keys}}

    def once() -> None:
        client.batch_get_item(
            RequestItems={
                work["companies"]: {"Keys": [work["company_key"]]},
                work["customers"]: {"Keys": [fresh({}, work["customer_keys"])]},
                work["karma"]: {"Keys": [fresh({}, work["karma_keys"])]},
            }
        )
        client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": table,
                        "Item": fresh(item, keys),
                        "ConditionExpression": "attribute_not_exists(#h)",
                        "ExpressionAttributeNames": {"#h": keys[0]},
                    }
                }
                for table, item, keys in work["puts"]
            ]
        )

    _timed(once, count, ready, start, done)


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


def _keys(model: Any) -> list[str]:
    schema = model._get_schema()["key_schema"]
    return [k["AttributeName"] for k in sorted(schema, key=lambda k: k["KeyType"] != "HASH")]


def _company(client: Any) -> tuple[str, dict[str, Any]]:
    """A fresh company with one ticket opened through the app; the intake's items as templates."""
    from chalicelib.db.models import Company, Customer, Message, Ticket
    from chalicelib.karma.models import Karma
    from chalicelib.tickets.service import ticket_key

    signup = client.http.post(
        "/companies",
        headers={"content-type": "application/json"},
        body=json.dumps({"name": "Bench", "manager_name": "Mia", "manager_email": "mia@bench.test"}),
    )
    company = json.loads(signup.body)["company"]
    opened = client.http.post(
        f"/intake/{company['intake_key']}/tickets",
        headers={"content-type": "application/json"},
        body=json.dumps(
            {
                "subject": "Printer",
                "body": "Prints blank pages since this morning",
                "customer_name": "Ann",
                "customer_email": "ann@example.com",
            }
        ),
    )
    ticket_id = json.loads(opened.body)["ticket_id"]
    ticket = Ticket.get(company["company_id"], ticket_id)
    message = next(iter(Message.query(ticket_key(company["company_id"], ticket_id))))
    customer = next(iter(Customer.query(company["company_id"])))
    work = {
        "intake_key": company["intake_key"],
        "companies": Company.Meta.table_name,
        "company_key": {"company_id": {"S": company["company_id"]}},
        "customers": Customer.Meta.table_name,
        "customer_keys": _keys(Customer),
        "karma": Karma.Meta.table_name,
        "karma_keys": _keys(Karma),
        "puts": [
            (model.Meta.table_name, item.serialize(), _keys(model))
            for model, item in ((Customer, customer), (Ticket, ticket), (Message, message))
        ],
    }
    return company["intake_key"], work


def run(workers: int, count: int, rounds: int) -> dict[str, Any]:
    port = _free_port()
    moto_url = f"http://127.0.0.1:{port}"
    _environment(moto_url)
    import requests

    from devstack.moto import MotoServer
    from devstack.tables import create_tables

    server = MotoServer("127.0.0.1", port).start()
    rates: dict[str, list[float]] = {"api": [], "put": [], "same": []}
    try:
        sys.path.insert(0, str(ROOT))
        from chalice.test import Client

        import app

        def fresh_company() -> tuple[str, dict[str, Any]]:
            requests.post(f"{moto_url}/moto-api/reset", timeout=30).raise_for_status()
            create_tables(moto_url)
            with Client(app.app, stage_name="local") as client:
                return _company(client)

        for _ in range(rounds):  # each measurement starts from reset tables
            intake_key, work = fresh_company()
            rates["put"].append(_round(_put_worker, (moto_url, len(json.dumps(work["puts"][1][1]))), workers, count))
            intake_key, work = fresh_company()
            rates["same"].append(_round(_same_work_worker, (moto_url, work), workers, count))
            intake_key, work = fresh_company()
            rates["api"].append(_round(_api_worker, (moto_url, intake_key), workers, count))
    finally:
        server.stop()
    api, put, same = (statistics.median(rates[k]) for k in ("api", "put", "same"))
    return {
        "server": "devstack.moto.MotoServer (moto on loopback, one request at a time), tables reset each round",
        "workers": workers,
        "requests_per_worker": count,
        "rounds": rounds,
        "tickets_per_second": round(api, 1),
        "putitem_per_second": round(put, 1),
        "ratio": round(api / put, 2),
        "same_work_raw_per_second": round(same, 1),
        "ratio_to_same_work_raw": round(api / same, 2),
        "rounds_measured": {k: [round(r, 1) for r in v] for k, v in rates.items()},
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=100)
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
