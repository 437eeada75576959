"""Server-rendered pages: small, self-contained HTML (no external CDN, no scripts needed).

Everything interpolated is escaped; templates are Python's string.Template over escaped values.
"""

from __future__ import annotations

import html
from pathlib import Path
from string import Template
from typing import Any

TEMPLATES = Path(__file__).resolve().parent / "templates"

# Pages behind links: no referrer leaks the link; nothing may frame or script them.
PAGE_HEADERS: dict[str, str] = {
    "Content-Type": "text/html; charset=utf-8",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def escape(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def render(template_name: str, *, title: str, raw: dict[str, str] | None = None, **values: Any) -> str:
    """Fill `templates/<template_name>.html` (escaped values; `raw` for HTML built by the caller)."""
    body = Template((TEMPLATES / f"{template_name}.html").read_text(encoding="utf-8"))
    content = body.substitute({**{k: escape(v) for k, v in values.items()}, **(raw or {})})
    layout = Template((TEMPLATES / "layout.html").read_text(encoding="utf-8"))
    return layout.substitute(title=escape(title), content=content)


def error_page(status: int, title: str, detail: str) -> str:
    return render("error", title=title, heading=title, detail=detail, status=status)
