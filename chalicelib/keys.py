"""The application secret and keys derived from it, one per purpose."""

from __future__ import annotations

import functools
import hashlib
import hmac

from chalicelib.settings import get_settings

_LOCAL_DEV_SECRET = "local-dev-secret-never-used-in-deployed-stages"  # noqa: S105


@functools.cache
def app_secret() -> bytes:
    settings = get_settings()
    if settings.app_secret:
        return settings.app_secret.encode()
    if settings.is_local:
        return _LOCAL_DEV_SECRET.encode()
    raise RuntimeError("APP_SECRET is not configured for this stage")


def derive_key(purpose: str) -> bytes:
    """A key for one purpose, so a token made for one use can never pass for another."""
    return hmac.new(app_secret(), purpose.encode(), hashlib.sha256).digest()


def keyed_hash(purpose: str, value: str) -> str:
    return hmac.new(derive_key(purpose), value.encode(), hashlib.sha256).hexdigest()
