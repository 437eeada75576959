"""The application secret and keys derived from it, one per purpose."""

from __future__ import annotations

import functools
import hashlib
import hmac

from chalicelib.secrets import parameter_name, secret
from chalicelib.settings import get_settings

_LOCAL_DEV_SECRET = "local-dev-secret-never-used-in-deployed-stages"  # noqa: S105


@functools.cache
def app_secret() -> bytes:
    """APP_SECRET locally; on deployed stages the SecureString `<SECRETS_PATH>/app-secret` (chalicelib/secrets.py)."""
    value = secret("APP_SECRET")
    if value:
        return value.encode()
    if get_settings().is_local:
        return _LOCAL_DEV_SECRET.encode()
    raise RuntimeError(f"the application secret is not configured for this stage ({parameter_name('APP_SECRET')})")


def derive_key(purpose: str) -> bytes:
    """A key for one purpose, so a token made for one use can never pass for another."""
    return hmac.new(app_secret(), purpose.encode(), hashlib.sha256).digest()


def keyed_hash(purpose: str, value: str) -> str:
    return hmac.new(derive_key(purpose), value.encode(), hashlib.sha256).hexdigest()
