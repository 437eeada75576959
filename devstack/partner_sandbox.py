"""A dev-only stand-in for the tip partner (never deployed): run it beside the local stack so the whole
tips flow can be clicked through locally.

It implements the partner API our client calls (chalicelib/tips/partner_client.py), verifies
companies and links employees by itself a moment later by calling our webhook with valid Standard
Webhooks signatures, shows a tip form, and on "Pay" sends `tip.paid`.

    python -m devstack.partner_sandbox --port 8025 --webhook-url http://127.0.0.1:8000/tips/webhooks/partner

Extras for tests and demos: a company whose name contains "[reject]" is rejected; `POST
/sandbox/fail {"count": N}` makes the next N API calls answer 503 (partner down); `GET /sandbox/state`
shows what the sandbox knows; `POST /sandbox/refund/<tip_id>` sends `tip.refunded`.
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from standardwebhooks.webhooks import Webhook

from chalicelib.tips.config import LOCAL_PARTNER_KEY, LOCAL_WEBHOOK_SECRET

logger = logging.getLogger("partner_sandbox")


@dataclass
class SandboxState:
    webhook_url: str
    public_url: str
    secret: str = LOCAL_WEBHOOK_SECRET
    api_key: str = LOCAL_PARTNER_KEY
    delay_seconds: float = 0.3
    places: dict[str, dict[str, Any]] = field(default_factory=dict)
    receivers: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)  # by Idempotency-Key
    tips: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, event_type: str, data: dict[str, Any], attempts: int = 5) -> int:
        """Deliver one signed webhook, retrying (fresh timestamp, same id) as real partners do."""
        webhook_id = f"msg_{secrets.token_hex(12)}"
        payload = json.dumps({"type": event_type, "timestamp": datetime.now(UTC).isoformat(), "data": data})
        status = 0
        for attempt in range(attempts):
            now = datetime.now(UTC)
            headers = {
                "Content-Type": "application/json",
                "webhook-id": webhook_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": Webhook(self.secret).sign(webhook_id, now, payload),
            }
            try:
                status = requests.post(self.webhook_url, data=payload.encode(), headers=headers, timeout=10).status_code
            except requests.RequestException:
                status = 0
            if 200 <= status < 300:
                break
            time.sleep(0.5 * 2**attempt)
        with self.lock:
            self.deliveries.append({"id": webhook_id, "type": event_type, "status": status})
        logger.info("webhook %s %s -> %s", event_type, webhook_id, status)
        return status

    def later(self, event_type: str, data: dict[str, Any]) -> None:
        timer = threading.Timer(self.delay_seconds, self.send, args=(event_type, data))
        timer.daemon = True
        timer.start()


class Handler(BaseHTTPRequestHandler):
    server: SandboxServer

    @property
    def state(self) -> SandboxState:
        return self.server.state

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug(format, *args)

    # -------------------------------------------------------------- plumbing

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, 100_000)) if length else b""

    def _json(self, status: int, data: Any) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _html(self, status: int, title: str, content: str) -> None:
        page = (
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            "<style>body{font-family:system-ui,sans-serif;max-width:480px;margin:40px auto;color:#1f2933}"
            "button{padding:10px 18px;border:0;border-radius:6px;background:#059669;color:#fff;font:inherit}"
            "label{display:block;margin:6px 0}</style></head>"
            f"<body><p style='color:#616e7c'>Tip partner sandbox (dev only)</p>{content}</body></html>"
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def _api_guard(self) -> bool:
        if self.headers.get("Authorization") != f"Bearer {self.state.api_key}":
            self._json(401, {"error": "bad api key"})
            return False
        with self.state.lock:
            if self.state.fail_next > 0:
                self.state.fail_next -= 1
                self._json(503, {"error": "sandbox says: partner is down"})
                return False
        return True

    # -------------------------------------------------------------- routes

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/sandbox/state":
            with self.state.lock:
                self._json(
                    200,
                    {
                        "places": self.state.places,
                        "receivers": self.state.receivers,
                        "tips": self.state.tips,
                        "deliveries": self.state.deliveries,
                    },
                )
            return
        match = re.fullmatch(r"/form/([A-Za-z0-9_]+)", parts.path)
        if match and match.group(1) in self.state.receivers:
            self._form(match.group(1), parse_qs(parts.query))
            return
        self._json(404, {"error": "not found"})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        raw = self._body()
        if path == "/sandbox/fail":
            with self.state.lock:
                self.state.fail_next = int(json.loads(raw or b"{}").get("count", 1))
            self._json(200, {"fail_next": self.state.fail_next})
            return
        refund = re.fullmatch(r"/sandbox/refund/([A-Za-z0-9_]+)", path)
        if refund:
            tip = next((t for t in self.state.tips if t["tip_id"] == refund.group(1)), None)
            if tip is None:
                self._json(404, {"error": "no such tip"})
                return
            status = self.state.send(
                "tip.refunded", {"tip_id": tip["tip_id"], "company_external_id": tip["company_external_id"]}
            )
            self._json(200, {"webhook_status": status})
            return
        pay = re.fullmatch(r"/form/([A-Za-z0-9_]+)/pay", path)
        if pay and pay.group(1) in self.state.receivers:
            self._pay(pay.group(1), {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()})
            return
        if path == "/v1/places":
            self._api(raw, self._register_place)
            return
        receivers = re.fullmatch(r"/v1/places/([^/]+)/receivers", path)
        if receivers:
            self._api(raw, lambda body: self._register_receiver(receivers.group(1), body))
            return
        self._json(404, {"error": "not found"})

    def _api(self, raw: bytes, action: Any) -> None:
        if not self._api_guard():
            return
        key = self.headers.get("Idempotency-Key") or ""
        with self.state.lock:
            if key and key in self.state.answers:  # same key, same answer, no second effect
                status, answer = self.state.answers[key]
                self._json(status, answer)
                return
        try:
            body = json.loads(raw)
        except ValueError:
            self._json(400, {"error": "not json"})
            return
        status, answer = action(body)
        if key and status < 500:
            with self.state.lock:
                self.state.answers[key] = (status, answer)
        self._json(status, answer)

    def _register_place(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        external_id, name = str(body.get("external_id", "")), str(body.get("name", ""))
        if not external_id:
            return 422, {"error": "external_id is required"}
        place = {
            "place_id": f"pl_{secrets.token_hex(8)}",
            "external_id": external_id,
            "name": name,
            "currency": body.get("currency", "USD"),
        }
        with self.state.lock:
            self.state.places[external_id] = place
        if "[reject]" in name:
            self.state.later("company.rejected", {"external_id": external_id, "reason": "Sandbox: rejected on request"})
        else:
            self.state.later("company.verified", {"external_id": external_id})
        return 201, {"place_id": place["place_id"], "status": "waiting"}

    def _register_receiver(self, company: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if company not in self.state.places:
            return 404, {"error": "unknown place"}
        employee = str(body.get("external_id", ""))
        receiver_id = f"rc_{secrets.token_hex(8)}"
        with self.state.lock:
            self.state.receivers[receiver_id] = {
                "company": company,
                "employee": employee,
                "name": str(body.get("name", "")),
            }
        form_url = f"{self.state.public_url}/form/{receiver_id}"
        self.state.later(
            "employee.linked",
            {"company_external_id": company, "external_id": employee, "receiver_id": receiver_id, "form_url": form_url},
        )
        return 201, {"receiver_id": receiver_id, "status": "waiting"}

    def _form(self, receiver_id: str, query: dict[str, list[str]]) -> None:
        receiver = self.state.receivers[receiver_id]
        amounts = [a for a in (query.get("amounts", ["70,150"])[0]).split(",") if a.isdigit()][:5]
        currency = html.escape(query.get("currency", ["USD"])[0][:3])
        reference = html.escape(query.get("reference", [""])[0][:600])
        options = "".join(
            f"<label><input type='radio' name='amount' value='{a}'{' checked' if i == 0 else ''}> "
            f"{a} {currency}</label>"
            for i, a in enumerate(amounts)
        )
        self._html(
            200,
            "Leave a tip",
            (
                f"<h1>Tip {html.escape(receiver['name'])}</h1>"
                f"<form method='post' action='/form/{receiver_id}/pay'>{options}"
                f"<label><input type='radio' name='amount' value='other'> Other: "
                f"<input name='other' id='other' inputmode='decimal' size='6'></label>"
                f"<input type='hidden' name='currency' value='{currency}'>"
                f"<input type='hidden' name='reference' value='{reference}'>"
                "<p><button type='submit' id='pay'>Pay</button></p></form>"
            ),
        )

    def _pay(self, receiver_id: str, form: dict[str, str]) -> None:
        receiver = self.state.receivers[receiver_id]
        amount = form.get("other") if form.get("amount") == "other" else form.get("amount")
        if not amount or not re.fullmatch(r"[0-9]{1,6}(\.[0-9]{1,2})?", amount):
            self._html(422, "Leave a tip", "<p>Please choose an amount.</p>")
            return
        tip = {
            "tip_id": f"tp_{secrets.token_hex(8)}",
            "company_external_id": receiver["company"],
            "employee_external_id": receiver["employee"],
            "amount": f"{float(amount):.2f}",
            "currency": form.get("currency") or "USD",
            "reference": form.get("reference") or None,
            "paid_at": datetime.now(UTC).isoformat(),
        }
        status = self.state.send("tip.paid", tip)
        with self.state.lock:
            self.state.tips.append({**tip, "webhook_status": status})
        self._html(
            200,
            "Thank you",
            f"<h1 id='paid'>Thank you!</h1><p>{html.escape(tip['amount'])} "
            f"{html.escape(tip['currency'])} sent to {html.escape(receiver['name'])}.</p>",
        )


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: SandboxState) -> None:
        super().__init__(address, Handler)
        self.state = state


def start(
    webhook_url: str, host: str = "127.0.0.1", port: int = 0, public_url: str | None = None, delay_seconds: float = 0.3
) -> SandboxServer:
    """Start the sandbox in a background thread (port 0: any free port); `server.state.public_url` is its URL."""
    state = SandboxState(webhook_url=webhook_url, public_url="", delay_seconds=delay_seconds)
    server = SandboxServer((host, port), state)
    state.public_url = (public_url or f"http://{host}:{server.server_address[1]}").rstrip("/")
    threading.Thread(target=server.serve_forever, name="partner-sandbox", daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--webhook-url", default="http://127.0.0.1:8000/tips/webhooks/partner")
    parser.add_argument("--delay", type=float, default=0.5, help="seconds before verifying/linking")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s partner-sandbox %(message)s")
    server = start(args.webhook_url, args.host, args.port, delay_seconds=args.delay)
    logger.info("listening on %s, webhooks to %s", server.state.public_url, args.webhook_url)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.shutdown()


if __name__ == "__main__":
    main()
