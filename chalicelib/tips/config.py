"""Settings of the tip partner integration and the Telegram bot, from the stage's environment.

Read lazily and cached per process (the cache may vanish). The local stage has working defaults
that point at the dev-only partner sandbox (devstack/partner_sandbox.py); deployed stages must set
the partner URL, API key and webhook secrets, or opting in and webhooks are refused. The API key,
webhook secrets and bot token are secrets (chalicelib/secrets.py): SSM SecureStrings on deployed stages.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from chalicelib.secrets import secret
from chalicelib.settings import get_settings

# Dev-only: the sandbox signs its webhooks with this secret when the stage is local.
LOCAL_WEBHOOK_SECRET = "whsec_c2FuZGJveC1wYXJ0bmVyLXdlYmhvb2stc2VjcmV0LWxvY2FsLW9ubHk="  # noqa: S105
LOCAL_PARTNER_URL = "http://127.0.0.1:8025"
LOCAL_PARTNER_KEY = "sandbox-api-key"


@dataclass(frozen=True)
class TipConfig:
    partner_api_url: str | None
    partner_form_origin: str | None  # scheme://host[:port] that employees' tip forms must live on
    telegram_api_url: str
    local: bool = False

    # The secrets are read when used (each function reads only the ones its code needs, which is
    # what its IAM policy allows) and cached by chalicelib.secrets, so a rotation is seen in minutes.
    @property
    def partner_api_key(self) -> str | None:
        return secret("TIP_PARTNER_API_KEY") or (LOCAL_PARTNER_KEY if self.local else None)

    @property
    def webhook_secrets(self) -> tuple[str, ...]:
        value = secret("TIP_WEBHOOK_SECRETS") or (LOCAL_WEBHOOK_SECRET if self.local else "")
        return tuple(value.replace(",", " ").split())

    @property
    def telegram_bot_token(self) -> str | None:
        return secret("TELEGRAM_BOT_TOKEN")

    @property
    def partner_configured(self) -> bool:
        return bool(self.partner_api_url and self.partner_api_key)


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


@functools.cache
def get_tip_config() -> TipConfig:
    local = get_settings().is_local
    api_url = _env("TIP_PARTNER_API_URL") or (LOCAL_PARTNER_URL if local else None)
    form_origin = _env("TIP_PARTNER_FORM_ORIGIN") or (api_url and origin_of(api_url))
    return TipConfig(
        partner_api_url=api_url.rstrip("/") if api_url else None,
        partner_form_origin=origin_of(form_origin) if form_origin else None,
        telegram_api_url=(_env("TELEGRAM_API_URL") or "https://api.telegram.org").rstrip("/"),
        local=local,
    )
