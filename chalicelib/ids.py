"""Identifiers that reach the outside are random (128 bits or more), never sequential."""

from __future__ import annotations

import secrets

# No id this module makes (nor any key of ours a path names) is longer: a longer one is refused as "not
# found" before anything is read.
MAX_LENGTH = 80


def new_id(prefix: str) -> str:
    """`prefix_` + 32 hex digits (128 random bits)."""
    return f"{prefix}_{secrets.token_hex(16)}"


def new_secret_token(prefix: str) -> str:
    """A bearer secret: `prefix_` + 256 random bits, URL-safe."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"
