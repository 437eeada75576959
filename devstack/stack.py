"""The whole local system in one process: moto, tables, the API, the stream pump, the scheduler,
the tip partner's sandbox and a local-only control API. Stopping the process stops all of it."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any

import boto3
from chalice.app import DynamoDBEventConfig, ScheduledEventConfig
from chalice.local import ChaliceRequestHandler, LocalDevServer

from devstack import mailbox, partner_sandbox
from devstack.environment import PROJECT_DIR, local_environment
from devstack.moto import MotoServer, outbox
from devstack.pump import StreamPump, Subscription, table_of
from devstack.scheduler import Job, Scheduler
from devstack.tables import create_tables

logger = logging.getLogger("devstack")


class OneRequestAtATime(ChaliceRequestHandler):
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


@dataclass
class Stack:
    ports: Ports
    host: str = "127.0.0.1"
    stop_event: threading.Event = field(default_factory=threading.Event)
    moto: MotoServer | None = None
    pump: StreamPump | None = None
    scheduler: Scheduler | None = None
    _servers: list[Any] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)
    app_module: ModuleType | None = None

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.ports.api}"

    @property
    def control_url(self) -> str:
        return f"http://{self.host}:{self.ports.control}"

    def start(self) -> Stack:
        self.moto = MotoServer(self.host, self.ports.moto).start()
        sandbox = partner_sandbox.start(f"{self.api_url}/tips/webhooks/partner", self.host, self.ports.partner)
        self._servers.append(sandbox)
        self.partner_url = sandbox.state.public_url
        os.environ.update(local_environment(self.moto.url, self.api_url, {"TIP_PARTNER_API_URL": self.partner_url}))
        create_tables(self.moto.url)
        self.app_module, config = _load_app()
        region = os.environ["AWS_DEFAULT_REGION"]
        self.pump = StreamPump(
            _subscriptions(self.app_module),
            boto3.client("dynamodb", endpoint_url=self.moto.url, region_name=region),
            boto3.client("dynamodbstreams", endpoint_url=self.moto.url, region_name=region),
            region,
        )
        self.scheduler = Scheduler(_jobs(self.app_module), region)
        api = LocalDevServer(config.chalice_app, config, self.host, self.ports.api, handler_cls=OneRequestAtATime)
        control = ThreadingHTTPServer((self.host, self.ports.control), _control_handler(self))
        self.ports.control = control.server_address[1]
        self._servers += [api.server, control]
        self._spawn("api", api.server.serve_forever)
        self._spawn("control", control.serve_forever)
        self._spawn("pump", lambda: self.pump.run(self.stop_event) if self.pump else None)
        self._spawn("scheduler", lambda: self.scheduler.run(self.stop_event) if self.scheduler else None)
        return self

    def _spawn(self, name: str, target: Any) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self.stop_event.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        if self.moto:
            self.moto.stop()


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


def _control_handler(stack: Stack) -> type[BaseHTTPRequestHandler]:
    """Local-only control API: fire schedules, drain the pump, read their state."""

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

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length) or b"{}") if length else {}
            parts = self.path.strip("/").split("/")
            try:
                if parts[0] == "schedules" and len(parts) == 3 and parts[2] == "fire" and stack.scheduler:
                    if parts[1] not in stack.scheduler.jobs:
                        self._reply(404, {"error": f"no schedule {parts[1]}"})
                        return
                    at = datetime.fromisoformat(payload["time"].replace("Z", "+00:00")) if payload.get("time") else None
                    result = stack.scheduler.fire(parts[1], at)
                    if stack.pump:
                        stack.pump.drain()
                    self._reply(200, {"result": result})
                elif self.path == "/pump/drain" and stack.pump:
                    self._reply(200, {"handled": stack.pump.drain(), **stack.pump.status()})
                else:
                    self._reply(404, {"error": "unknown path"})
            except Exception as error:
                logger.exception("control request failed")
                self._reply(500, {"error": f"{type(error).__name__}: {error}"})

    return Control
