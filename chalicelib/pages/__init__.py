"""One template system for everything people read: pages, e-mails and chat messages.

Jinja2 with HTML auto-escaping. Each capability keeps its templates in its own `templates/` folder and
names them with its package as prefix (`tips/rate.html`, `pages/error.html`); every page extends
`pages/layout.html`, so pages look alike and share the same safe headers. Jinja2 is imported on first
render, not at cold start.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

CHALICELIB = Path(__file__).resolve().parents[1]
LOCALES = ("en", "ru")

# Pages behind links: no referrer leaks the link; nothing may frame or script them.
PAGE_HEADERS: dict[str, str] = {
    "Content-Type": "text/html; charset=utf-8",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


@functools.cache
def environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, PrefixLoader, StrictUndefined, select_autoescape

    folders = {folder.parent.name: FileSystemLoader(folder) for folder in CHALICELIB.glob("*/templates")}
    env = Environment(
        loader=PrefixLoader(folders, delimiter="/"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    # Until the gettext catalogs land (branch i18n), `{% trans %}` renders the English source text.
    env.policies["ext.i18n.trimmed"] = True
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


def render(name: str, **context: Any) -> str:
    """Render `<capability>/<template>` (e.g. `tips/rate.html`); HTML templates escape every value."""
    return environment().get_template(name).render(**context)


def locale_of(value: str | None) -> str:
    return value if value in LOCALES else "en"


def error_page(status: int, title: str, detail: str, locale: str = "en") -> str:
    return render("pages/error.html", locale=locale_of(locale), title=title, detail=detail, status=status)
