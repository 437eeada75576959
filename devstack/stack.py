"""The whole local system in one process: moto, tables, the API, the stream pump, the scheduler,
the tip partner's sandbox and a local-only control API. Stopping the process stops all of it."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import boto3
from chalice.app import DynamoDBEventConfig, ScheduledEventConfig
from chalice.local import LocalDevServer

from devstack import mailbox, partner_sandbox
from devstack.environment import PROJECT_DIR, local_environment
from devstack.moto import MotoServer, outbox
from devstack.not_found import NotFoundPage
from devstack.pump import StreamPump, Subscription, table_of
from devstack.scheduler import Job, Scheduler
from devstack.servers import binding, check_free, free_port, join_all, stop_servers, track_connections
from devstack.smtp import MailIn
from devstack.tables import create_tables

logger = logging.getLogger("devstack")


class OneRequestAtATime(NotFoundPage):
    """Chalice keeps the current request on the app object; a Lambda container also serves one
    request at a time. Browsers still get their keep-alive connections (threads), only the handling
    of each request is serialized."""

    _lock = threading.Lock()

    def _generic_handle(self) -> None:
        with self._lock:
            super()._generic_handle()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _generic_handle


@dataclass
class Ports:
    api: int = 8000
    moto: int = 0
    control: int = 0
    partner: int = 8025
    smtp: int = 2525


@dataclass
class Stack:
    ports: Ports
    host: str = "127.0.0.1"
    stop_event: threading.Event = field(default_factory=threading.Event)
    moto: MotoServer | None = None
    pump: StreamPump | None = None
    scheduler: Scheduler | None = None
    mail: MailIn | None = None
    _servers: list[Any] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)
    app_module: ModuleType | None = None
    tables: dict[str, str] = field(default_factory=dict)  # short name -> table name
    leftover: list[str] = field(default_factory=list)  # threads still running after stop() (should be none)

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.ports.api}"

    @property
    def control_url(self) -> str:
        return f"http://{self.host}:{self.ports.control}"

    def start(self) -> Stack:
        """Start everything; a port that cannot be had raises PortUnavailable with nothing left running."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> Stack:
        check_free(
            self.host,
            {"moto": self.ports.moto, "partner": self.ports.partner, "smtp": self.ports.smtp, **self._http_ports()},
        )
        if not self.ports.api:  # the app's links need the API's address before it listens
            self.ports.api = free_port(self.host)
        with binding("moto", self.host, self.ports.moto):
            self.moto = MotoServer(self.host, self.ports.moto).start()
        with binding("partner", self.host, self.ports.partner):
            sandbox = partner_sandbox.start(f"{self.api_url}/tips/webhooks/partner", self.host, self.ports.partner)
        track_connections(sandbox)
        self._servers.append(sandbox)
        self.partner_url = sandbox.state.public_url
        os.environ.update(local_environment(self.moto.url, self.api_url, {"TIP_PARTNER_API_URL": self.partner_url}))
        create_tables(self.moto.url)
        self.tables = _table_names()
        self.app_module, config = _load_app()
        region = os.environ["AWS_DEFAULT_REGION"]
        self.pump = StreamPump(
            _subscriptions(self.app_module),
            boto3.client("dynamodb", endpoint_url=self.moto.url, region_name=region),
            boto3.client("dynamodbstreams", endpoint_url=self.moto.url, region_name=region),
            region,
        )
        self.scheduler = Scheduler(_jobs(self.app_module), region)
        self.mail = MailIn.for_app(self.app_module, self.host, self.ports.smtp, region)  # e-mail in: SMTP -> S3
        if self.mail:
            with binding("smtp", self.host, self.ports.smtp):
                self._servers.append(self.mail.start())
            self.ports.smtp = self.mail.port
        with binding("api", self.host, self.ports.api):
            api = LocalDevServer(config.chalice_app, config, self.host, self.ports.api, handler_cls=OneRequestAtATime)
        with binding("control", self.host, self.ports.control):
            control = ThreadingHTTPServer((self.host, self.ports.control), _control_handler(self))
        self.ports.control = control.server_address[1]
        for server in (api.server, control):
            track_connections(server)
            self._servers.append(server)
        self._spawn("api", api.server.serve_forever)
        self._spawn("control", control.serve_forever)
        self._spawn("pump", lambda: self.pump.run(self.stop_event) if self.pump else None)
        self._spawn("scheduler", lambda: self.scheduler.run(self.stop_event) if self.scheduler else None)
        return self

    def _http_ports(self) -> dict[str, int]:
        return {"api": self.ports.api, "control": self.ports.control}

    def _spawn(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 4.0) -> None:
        """Stop accepting, close every connection, let the pump's and scheduler's current round end,
        then stop moto (last: handlers still running need it). Threads still alive after `timeout`
        are named in `leftover` and the log."""
        deadline = time.monotonic() + timeout
        self.stop_event.set()
        handlers = stop_servers(self._servers, deadline) if self._servers else []
        self._servers = []
        alive = join_all([*self._threads, *handlers], deadline)
        if self.moto:
            alive += self.moto.stop(max(0.5, deadline - time.monotonic()))
            self.moto = None
        self.leftover = sorted(thread.name for thread in alive)
        if self.leftover:
            logger.warning("still running after stop: %s", ", ".join(self.leftover))


def _table_names() -> dict[str, str]:
    from chalicelib.db.catalog import ALL_MODELS

    return {str(model.Meta.short_name): str(model.Meta.table_name) for model in ALL_MODELS}  # type: ignore[attr-defined]


def _load_app() -> tuple[ModuleType, Any]:
    """Import app.py (the stage's variables are already in the environment) and build the local
    stage's Chalice config around it, as `chalice local --stage local` does."""
    import importlib

    from chalice.cli.factory import CLIFactory

    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    app_module = importlib.import_module("app")
    config = CLIFactory(str(PROJECT_DIR), environ=os.environ).create_config_obj(chalice_stage_name="local")
    config._user_provided_params["chalice_app"] = app_module.app
    return app_module, config


def _subscriptions(app_module: ModuleType) -> list[Subscription]:
    return [
        Subscription(
            source.name,
            getattr(app_module, source.name),
            table_of(source.stream_arn),
            source.batch_size,
            source.starting_position,
        )
        for source in app_module.app.event_sources
        if isinstance(source, DynamoDBEventConfig)
    ]


def _jobs(app_module: ModuleType) -> dict[str, Job]:
    jobs = {}
    for source in app_module.app.event_sources:
        if isinstance(source, ScheduledEventConfig):
            expression = source.schedule_expression
            text = expression if isinstance(expression, str) else expression.to_string()
            jobs[source.name] = Job(source.name, text, getattr(app_module, source.name))
    return jobs


class BadRequest(Exception):
    """A control request that cannot be done as asked (answered 400, or 404 with `status`)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _replay_request(stack: Stack, payload: dict[str, Any]) -> tuple[str, str | None]:
    """`{"table": "<short name>", "sequence_number": "<digits>"?}` -> (table name, sequence or None)."""
    unknown = sorted(set(payload) - {"table", "sequence_number"})
    if unknown:
        raise BadRequest(f"unknown fields {unknown}; expected table and (optional) sequence_number")
    short = payload.get("table")
    streamed = sorted(name for name, table in stack.tables.items() if stack.pump and stack.pump.subscribers_of(table))
    if not isinstance(short, str) or short not in stack.tables:
        raise BadRequest(f"no table {short!r}; tables with stream handlers: {', '.join(streamed)}", 404)
    if short not in streamed:
        raise BadRequest(f"no handler reads the stream of {short}; tables with stream handlers: {', '.join(streamed)}")
    sequence = payload.get("sequence_number")
    if sequence is not None and not (isinstance(sequence, str) and sequence.isdigit() and len(sequence) <= 40):
        raise BadRequest("sequence_number is a stream record's SequenceNumber: a string of digits")
    return stack.tables[short], sequence


def _control_handler(stack: Stack) -> type[BaseHTTPRequestHandler]:
    """Local-only control API: fire schedules, drain or replay the pump, read their state, seed a demo month."""

    class Control(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            logger.debug(format, *args)

        def _reply(self, status: int, data: Any) -> None:
            body = json.dumps(data, default=str).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/schedules" and stack.scheduler:
                self._reply(200, stack.scheduler.status())
            elif self.path == "/pump" and stack.pump:
                self._reply(200, stack.pump.status())
            elif self.path == "/outbox" and stack.moto:
                self._reply(200, outbox())
            elif self.path == "/mail" and stack.mail:
                self._reply(200, stack.mail.status())
            elif self.path.startswith("/mailbox") and stack.moto:  # sent mail as people read it (devstack/mailbox.py)
                status, content_type, body = mailbox.respond(self.path)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif self.path == "/health":
                self._reply(200, {"api": stack.api_url, "moto": stack.moto.url if stack.moto else None})
            else:
                self._reply(404, {"error": "unknown path"})

        def _payload(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            if not length:
                return {}
            try:
                return json.loads(self.rfile.read(length))
            except ValueError:
                raise BadRequest("the body is not JSON") from None

        def do_POST(self) -> None:
            parts = self.path.strip("/").split("/")
            try:
                payload = self._payload()
                if not isinstance(payload, dict):
                    raise BadRequest("send a JSON object")
                if parts[0] == "schedules" and len(parts) == 3 and parts[2] == "fire" and stack.scheduler:
                    if parts[1] not in stack.scheduler.jobs:
                        self._reply(404, {"error": f"no schedule {parts[1]}"})
                        return
                    at = datetime.fromisoformat(payload["time"].replace("Z", "+00:00")) if payload.get("time") else None
                    result = stack.scheduler.fire(parts[1], at)
                    if stack.pump:
                        stack.pump.drain(stop=stack.stop_event)
                    self._reply(200, {"result": result})
                elif self.path == "/demo/month" and stack.pump:
                    from devstack.demo import seed_month_in

                    self._reply(200, seed_month_in(stack, payload))
                elif self.path == "/pump/drain" and stack.pump:
                    self._reply(200, {"handled": stack.pump.drain(stop=stack.stop_event), **stack.pump.status()})
                elif self.path == "/mail/redeliver" and stack.mail:
                    self._reply(200, stack.mail.redeliver(str(payload.get("key"))).__dict__)
                elif self.path == "/pump/replay" and stack.pump:
                    table, sequence = _replay_request(stack, payload)
                    try:
                        rewound = stack.pump.replay(table, sequence)
                    except ValueError as error:
                        raise BadRequest(str(error)) from None
                    handled = stack.pump.drain(stop=stack.stop_event)
                    self._reply(
                        200,
                        {
                            "table": table,
                            "from": sequence or "TRIM_HORIZON",
                            **stack.pump.status(),
                            "replayed_to": rewound,
                            "handled": handled,
                        },
                    )
                else:
                    self._reply(404, {"error": "unknown path"})
            except BadRequest as error:
                self._reply(error.status, {"error": str(error)})
            except Exception as error:
                logger.exception("control request failed")
                self._reply(500, {"error": f"{type(error).__name__}: {error}"})

    return Control
