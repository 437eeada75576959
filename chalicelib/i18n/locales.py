"""Which languages exist and which one a reader gets.

English is the source language: it needs no catalog. Every other language is supported because its
compiled catalog is present under `locales/`, so adding a language is adding a catalog.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

SOURCE_LOCALE = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"

# Dates, times and numbers follow a fuller locale than the catalog's language where the bare language
# would pick a region for the reader: English readers get day-first, 24-hour dates ("30 Nov 2026, 14:05").
FORMATTING_LOCALES: dict[str, str] = {"en": "en_GB"}

_QUALITY = re.compile(r"^q=([01](?:\.\d{0,3})?)$")


@functools.cache
def supported_locales() -> tuple[str, ...]:
    """The source language first, then every language with a compiled catalog, sorted."""
    compiled = sorted(mo.parents[1].name for mo in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return (SOURCE_LOCALE, *(code for code in compiled if code != SOURCE_LOCALE))


def _normalise(value: str) -> str:
    return value.strip().replace("-", "_")


def supported(value: str | None) -> str | None:
    """The supported locale a stored value names (`ru`, `ru-RU`, `RU` -> `ru`), or None."""
    if not value or not isinstance(value, str):
        return None
    wanted = _normalise(value).lower()
    by_lower = {code.lower(): code for code in supported_locales()}
    return by_lower.get(wanted) or by_lower.get(wanted.split("_", 1)[0])


def locale_of(value: str | None) -> str:
    """A stored locale (a customer's, a ticket's) as a supported one, English when it is none."""
    return supported(value) or SOURCE_LOCALE


def _preferred(accept_language: str) -> list[str]:
    """The header's language tags, most wanted first (q=0 and `*` dropped; ties keep their order)."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")[:50]):
        tag, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            match = _QUALITY.match(param.replace(" ", ""))
            if match:
                quality = float(match.group(1))
        if tag and tag != "*" and quality > 0 and re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", tag):
            ranked.append((-quality, position, _normalise(tag)))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(accept_language: str | None) -> str | None:
    """The supported locale an Accept-Language header asks for (Babel's negotiation), or None."""
    if not accept_language:
        return None
    preferred = _preferred(accept_language)
    if not preferred:
        return None
    from babel.core import negotiate_locale

    return negotiate_locale(preferred, list(supported_locales()), sep="_")


def choose_locale(explicit: str | None = None, accept_language: str | None = None) -> str:
    """The reader's locale: an explicit, supported value (a stored locale) first, then the browser's
    Accept-Language header, then English."""
    return supported(explicit) or negotiate(accept_language) or SOURCE_LOCALE


def formatting_locale(locale: str) -> str:
    """The Babel locale that formats dates, numbers and money for a catalog's language."""
    return FORMATTING_LOCALES.get(locale, locale)
