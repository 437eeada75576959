"""One localisation system for every page, e-mail and chat text people read.

Text is written in English (the source language) and marked where it is written: `_()` / `gettext`,
`ngettext`, `pgettext` and `{% trans %}` in templates, `translator(locale).gettext(...)` in Python, and
`N_()` for module-level constants that are translated when they are shown. `make messages` extracts
the marked text into `locales/messages.pot`, updates every `locales/<lang>/LC_MESSAGES/messages.po`
and compiles the `.mo` files read here. A language is supported when its compiled catalog is present.

Importing this package is cheap: the catalogs are read on first use, and Babel (formatting, locale
negotiation) is imported only by the functions that need it, never when app.py loads.
"""

from __future__ import annotations

from chalicelib.i18n.catalogs import Translator, translator
from chalicelib.i18n.formatting import (
    format_date,
    format_datetime,
    format_money,
    format_number,
    format_relative,
    format_time,
    format_timezone,
)
from chalicelib.i18n.locales import (
    LOCALE_DIR,
    SOURCE_LOCALE,
    choose_locale,
    formatting_locale,
    locale_of,
    negotiate,
    supported_locales,
)


def N_(message: str) -> str:
    """Mark a module-level constant for the catalog; it is translated when shown (`gettext(CONSTANT)`)."""
    return message


__all__ = [
    "LOCALE_DIR",
    "N_",
    "SOURCE_LOCALE",
    "Translator",
    "choose_locale",
    "format_date",
    "format_datetime",
    "format_money",
    "format_number",
    "format_relative",
    "format_time",
    "format_timezone",
    "formatting_locale",
    "locale_of",
    "negotiate",
    "supported_locales",
    "translator",
]
