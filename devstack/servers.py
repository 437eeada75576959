"""Starting and stopping the local stack's HTTP servers cleanly.

A port that cannot be had becomes one `PortUnavailable` naming the option that changes it. Each
threaded server's connections are tracked, because a browser's keep-alive connection keeps its
handler thread waiting for the next request long after the server stopped accepting: stopping
closes them, so their threads end too.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

# what each port serves, the `python -m devstack run` option that changes it, and another to suggest
PORT_OPTIONS = {
    "api": ("the API", "--port", 8100),
    "control": ("the control API", "--control-port", 8101),
    "moto": ("moto (DynamoDB, SES)", "--moto-port", 0),
    "partner": ("the tip partner sandbox", "--partner-port", 8125),
    "smtp": ("the SMTP server of e-mail in", "--smtp-port", 2526),
}


class PortUnavailable(Exception):
    """A port of the stack is taken (or not allowed); the message is one line for the terminal."""

    def __init__(self, name: str, host: str, port: int, reason: str) -> None:
        what, option, suggestion = PORT_OPTIONS[name]
        super().__init__(
            f"cannot listen on {host}:{port} for {what}: {reason}. Choose another port with {option}, "
            f'e.g. make run ARGS="{option} {suggestion}" (0 picks a free one)'
        )
        self.name, self.port = name, port


def free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def binding(name: str, host: str, port: int) -> Iterator[None]:
    """Turn a failed bind of the `name` server into PortUnavailable."""
    try:
        yield
    except OSError as error:
        raise PortUnavailable(name, host, port, error.strerror or str(error)) from None


def check_free(host: str, ports: dict[str, int]) -> None:
    """Fail before anything starts if a fixed port is taken (all held at once: duplicates show too)."""
    held: list[socket.socket] = []
    try:
        for name, port in ports.items():
            if not port:
                continue  # any free port
            sock = socket.socket()
            held.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
            with binding(name, host, port):
                sock.bind((host, port))
                sock.listen(1)
    finally:
        for sock in held:
            sock.close()


def track_connections(server: Any) -> None:
    """Remember each open connection of a socketserver ThreadingMixIn server and its handler thread."""
    connections: dict[Any, threading.Thread] = {}
    lock = threading.Lock()
    handle = server.process_request_thread

    def process_request_thread(request: Any, client_address: Any) -> None:
        with lock:
            connections[request] = threading.current_thread()
        try:
            handle(request, client_address)
        finally:
            with lock:
                connections.pop(request, None)

    server.process_request_thread = process_request_thread
    server.devstack_connections = (connections, lock)


def close_connections(server: Any) -> list[threading.Thread]:
    """Shut the server's open connections down; returns their handler threads (to join)."""
    connections, lock = getattr(server, "devstack_connections", ({}, threading.Lock()))
    with lock:
        items = list(connections.items())
    for request, _thread in items:
        with contextlib.suppress(OSError):
            request.shutdown(socket.SHUT_RDWR)
    return [thread for _request, thread in items]


def stop_servers(servers: Iterable[Any], deadline: float) -> list[threading.Thread]:
    """Stop accepting on all servers at once, close their sockets and connections; returns the
    handler threads still finishing a request."""
    servers = list(servers)
    stoppers = [threading.Thread(target=server.shutdown, name="stopping", daemon=True) for server in servers]
    for stopper in stoppers:
        stopper.start()
    for stopper in stoppers:
        stopper.join(max(0.0, deadline - time.monotonic()))
    handlers: list[threading.Thread] = []
    for server in servers:
        server.server_close()
        handlers += close_connections(server)
    return handlers


def join_all(threads: Iterable[threading.Thread], deadline: float) -> list[threading.Thread]:
    """Wait for the threads until the deadline; returns those still alive."""
    for thread in threads:
        if thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
    return [thread for thread in threads if thread.is_alive()]
