"""Templates (Jinja2, HTML auto-escaped) for the tip e-mail, the Telegram text and the pages."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

LOCALES = ("en", "ru")


@functools.cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def locale_of(value: str | None) -> str:
    return value if value in LOCALES else "en"


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
