"""Secrets: plain environment variables on the local stage, SSM Parameter Store SecureStrings on
deployed stages, read at run time and cached for a few minutes.

A deployed stage names a folder (`SECRETS_PATH`, e.g. `/servicedesk/prod`) and each secret lives at
`<SECRETS_PATH>/<name>`; its value never appears in the function's configuration or the template.
The two never mix: a deployed stage ignores plain variables, and the local stage never calls SSM.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from typing import Any

from chalicelib.settings import get_settings

logger = logging.getLogger(__name__)

# Environment variable (local stage) -> parameter name under SECRETS_PATH (deployed stages).
SECRETS: dict[str, str] = {
    "APP_SECRET": "app-secret",
    "TIP_PARTNER_API_KEY": "tip-partner-api-key",
    "TIP_WEBHOOK_SECRETS": "tip-webhook-secrets",
    "TELEGRAM_BOT_TOKEN": "telegram-bot-token",
}
MAX_AGE_SECONDS = 300

_cache: dict[str, tuple[float, str | None]] = {}


def secret(variable: str) -> str | None:
    """The secret known locally as environment variable `variable`, or None when it is not set."""
    parameter = SECRETS[variable]
    settings = get_settings()
    if settings.is_local:
        return _from_environment(variable)
    if not settings.secrets_path:
        return None
    return _parameter(f"{settings.secrets_path}/{parameter}")


def _from_environment(variable: str) -> str | None:
    return os.environ.get(variable, "").strip() or None


def parameter_name(variable: str) -> str | None:
    """Where a deployed stage reads the secret from (None on the local stage)."""
    settings = get_settings()
    if settings.is_local or not settings.secrets_path:
        return None
    return f"{settings.secrets_path}/{SECRETS[variable]}"


def _parameter(name: str) -> str | None:
    cached = _cache.get(name)
    now = time.monotonic()
    if cached is not None and now - cached[0] < MAX_AGE_SECONDS:
        return cached[1]
    try:
        value: str | None = ssm_client().get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    except ssm_client().exceptions.ParameterNotFound:
        logger.warning("secret parameter %s does not exist", name)
        value = None
    _cache[name] = (now, value)
    return value


def clear_cache() -> None:
    _cache.clear()


@functools.cache
def ssm_client() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "ssm",
        region_name=get_settings().region,
        config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"}),
    )
