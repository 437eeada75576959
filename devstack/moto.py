"""moto's server on loopback, one request at a time.

moto's threaded server only locks request dispatch, not the backends, so two conditional writes
could both pass their checks. Real DynamoDB makes each request atomic; holding one lock per
request gives the local stack (and the tests) the same guarantee.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from devstack.servers import join_all, stop_servers, track_connections

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SerializedRequests:
    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


class MotoServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = SerializedRequests(DomainDispatcherApplication(create_backend_app))
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        track_connections(self._server)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    def start(self) -> MotoServer:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> list[threading.Thread]:
        """Stop serving and close every connection; returns the threads still alive after `timeout`."""
        deadline = time.monotonic() + timeout
        if not self._thread.is_alive():  # never started: there is no serving loop to wait for
            self._server.server_close()
            return []
        handlers = stop_servers([self._server], deadline)
        return join_all([self._thread, *handlers], deadline)


def outbox() -> list[dict[str, Any]]:
    """Every message moto's SES accepted in this process, oldest first.

    Read from the SES backend itself: moto's `/moto-api/data.json` serialises every tracked model of
    every service (each DynamoDB item too), so it slows down as a session's tables grow.
    """
    from moto.ses.models import ses_backends

    messages: list[dict[str, Any]] = []
    for regions in list(ses_backends.values()):
        for backend in list(regions.values()):
            for sent in list(backend.sent_messages):
                destinations = sent.destinations
                if isinstance(destinations, dict):  # send_email: {"ToAddresses": [...], ...}
                    destinations = [address for group in destinations.values() for address in group]
                message = {"id": sent.id, "source": sent.source, "destinations": list(destinations)}
                for field in ("raw_data", "subject", "body"):
                    if hasattr(sent, field):
                        message[field] = getattr(sent, field)
                messages.append(message)
    return messages
