"""The tip partner's HTTP API, as our side calls it.

Every request has connect/read timeouts, an `Idempotency-Key` (the same key on every retry of one
logical request, also across scheduled retries), and is retried with exponential backoff on
connection errors, timeouts and 5xx answers. 4xx answers are final and not retried.

The contract (implemented by devstack/partner_sandbox.py for local runs):
  POST /v1/places                         {"external_id", "name", "currency"}
       -> {"place_id", "status": "waiting" | "confirmed" | "declined"}
  POST /v1/places/{external_id}/receivers {"external_id", "name"}
       -> {"receiver_id", "status": "waiting" | "confirmed", "form_url"?}
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from chalicelib.tips.config import TipConfig, get_tip_config

logger = logging.getLogger(__name__)


class PartnerError(Exception):
    """The partner could not be used for this request."""


class PartnerUnavailable(PartnerError):
    """Down, slow or failing (5xx) after all retries: try again later."""


class PartnerRefused(PartnerError):
    """The partner answered 4xx: retrying the same request will not help."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"partner refused the request ({status}): {detail}")
        self.status = status


@dataclass(frozen=True)
class Registration:
    partner_ref: str
    status: str  # waiting | confirmed | declined
    form_url: str | None = None


@dataclass
class PartnerClient:
    base_url: str
    api_key: str
    timeout: tuple[float, float] = (2.0, 5.0)
    attempts: int = 3
    backoff_seconds: float = 0.25
    sleep: Callable[[float], None] = time.sleep

    def register_place(self, company_id: str, name: str, currency: str, idempotency_key: str) -> Registration:
        body = {"external_id": company_id, "name": name, "currency": currency}
        data = self._post("/v1/places", body, idempotency_key)
        return Registration(str(data["place_id"]), str(data.get("status", "waiting")))

    def register_receiver(self, company_id: str, employee_id: str, name: str, idempotency_key: str) -> Registration:
        path = f"/v1/places/{quote(company_id, safe='')}/receivers"
        data = self._post(path, {"external_id": employee_id, "name": name}, idempotency_key)
        form_url = data.get("form_url")
        return Registration(
            str(data["receiver_id"]), str(data.get("status", "waiting")), str(form_url) if form_url else None
        )

    def _post(self, path: str, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        import requests  # on first use: ~50 ms off every cold start that never calls out

        headers = {"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": idempotency_key}
        last_error = "no attempt made"
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(self.backoff_seconds * (2 ** (attempt - 1)))
            try:
                response = requests.post(self.base_url + path, json=body, headers=headers, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as error:
                last_error = type(error).__name__
                logger.warning("partner %s attempt %d failed: %s", path, attempt + 1, last_error)
                continue
            if response.status_code >= 500 or response.status_code == 429:
                last_error = f"HTTP {response.status_code}"
                logger.warning("partner %s attempt %d answered %s", path, attempt + 1, response.status_code)
                continue
            if response.status_code >= 400:
                raise PartnerRefused(response.status_code, response.text[:200])
            try:
                data = response.json()
            except ValueError:
                raise PartnerUnavailable("the partner answered with something that is not JSON") from None
            if not isinstance(data, dict):
                raise PartnerUnavailable("the partner answered with an unexpected shape")
            return data
        raise PartnerUnavailable(f"the partner is unavailable ({last_error})")


def partner_client(config: TipConfig | None = None) -> PartnerClient:
    config = config or get_tip_config()
    if not config.partner_api_url or not config.partner_api_key:
        raise PartnerUnavailable("the tip partner is not configured for this stage")
    return PartnerClient(config.partner_api_url, config.partner_api_key)
