"""One template system for everything people read: pages, e-mails and chat messages.

Jinja2 with HTML auto-escaping. Each capability keeps its templates in its own `templates/` folder and
names them with its package as prefix (`tips/rate.html`, `pages/error.html`); every page extends
`pages/layout.html`, so pages look alike and share the same safe headers. Jinja2 is imported on first
render, not at cold start.

Text is translated through the gettext catalogs of `chalicelib.i18n`: each locale has its own
environment with its catalog installed (`{% trans %}`, `_()`, `ngettext`, `pgettext`) and filters
that format for it (`|datetime(tz)`, `|date`, `|ago`, `|number`, `|money(currency)`). One environment
per locale, never one whose translations are swapped per call: e-mails and pages render on different
threads of the same process.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalicelib import i18n
from chalicelib.i18n import N_

if TYPE_CHECKING:
    from jinja2 import Environment

CHALICELIB = Path(__file__).resolve().parents[1]

# Pages behind links: no referrer leaks the link; nothing may frame or script them.
PAGE_HEADERS: dict[str, str] = {
    "Content-Type": "text/html; charset=utf-8",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


def _filters(locale: str) -> dict[str, Callable[..., str]]:
    """The formatting helpers, bound to one locale (`{{ moment|datetime(company_tz) }}`)."""
    return {
        "date": lambda value, timezone="UTC", format="medium": i18n.format_date(value, locale, timezone, format),
        "time": lambda value, timezone="UTC": i18n.format_time(value, locale, timezone),
        "datetime": lambda value, timezone="UTC": i18n.format_datetime(value, locale, timezone),
        "ago": lambda value, now=None: i18n.format_relative(value, locale, now),
        "number": lambda value: i18n.format_number(value, locale),
        "money": lambda amount, currency: i18n.format_money(amount, currency, locale),
    }


@functools.cache
def environment(locale: str) -> Environment:
    """The Jinja2 environment of a supported locale (`render` chooses it)."""
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
        # A deployed package's templates never change: no file is checked on each render. The local
        # stack (`make run`) sets TEMPLATES_RELOAD so an edited template shows on the next page.
        auto_reload=os.environ.get("TEMPLATES_RELOAD") == "1",
    )
    # babel.cfg extracts with the same options, so the catalog's msgids are what templates look up
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(i18n.translator(locale).catalog, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(_filters(locale))
    env.globals["locale"] = locale
    env.globals["explain_error"] = lambda status, title, detail: error_texts(status, title, detail, locale)
    return env


def render(name: str, **context: Any) -> str:
    """Render `<capability>/<template>` (e.g. `tips/rate.html`) in `locale` (a context value; English
    when absent or unsupported); HTML templates escape every value."""
    locale = locale_of(context.pop("locale", None))
    return environment(locale).get_template(name).render(locale=locale, **context)


def locale_of(value: str | None) -> str:
    return i18n.locale_of(value)


# A general explanation per status, for an error whose own words the reader's catalog lacks.
ERROR_TEXTS: dict[int, tuple[str, str]] = {
    400: (N_("This request cannot be handled"), N_("Please go back, check what you entered and try again.")),
    401: (N_("This page needs a sign-in"), N_("Please open it again from the service desk.")),
    403: (N_("This link cannot be used"), N_("This link is not valid. Please use the link from your e-mail as it is.")),
    404: (N_("Not found"), N_("What you were looking for does not exist or is no longer available.")),
    409: (N_("This cannot be done now"), N_("Something changed in the meantime. Please reload the page.")),
    410: (N_("This link has expired"), N_("This link is no longer valid.")),
}
GENERAL_ERROR = (N_("Something went wrong"), N_("Please try again later."))
# Domain errors' own words that reach people's pages (the JSON API keeps them in English).
PAGE_ERROR_MESSAGES = (
    N_("This link is not valid."),
    N_("This link has expired."),
    N_("For managers only"),
    N_("This page is for managers. If you need something from it, ask a manager."),
)


# The HTTP layer's own names for statuses: a person reads the status's general title instead.
PLAIN_STATUS_TITLES = frozenset(
    {"Bad request", "Malformed request", "Request body is not valid", "Unauthorized", "Forbidden", "Conflict", "Gone"}
)


def error_texts(status: int, title: str, detail: str, locale: str) -> tuple[str, str]:
    """An error's title and detail for a reader: in English the error's own words; in another language
    their translation, or the general words for the status when the catalog has none, so a page
    never mixes languages. A bare status name ("Conflict") is never a page's title."""
    t = i18n.translator(locale)
    general = ERROR_TEXTS.get(400 if status == 422 else status, GENERAL_ERROR)
    shown_title = None if title in PLAIN_STATUS_TITLES else t.lookup(title)
    return shown_title or t.gettext(general[0]), t.lookup(detail) or t.gettext(general[1])


def error_page(status: int, title: str, detail: str, locale: str = "en") -> str:
    """The friendly page for an error; `pages/error.html` explains it in the reader's language
    (`error_texts`), whoever renders it."""
    return render("pages/error.html", locale=locale, title=title, detail=detail, status=status)
