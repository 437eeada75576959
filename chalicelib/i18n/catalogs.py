"""Translations read from the compiled catalogs, once per locale and container.

The standard library reads the `.mo` files (Babel is not needed to translate); `Translator` formats
like Jinja2's newstyle gettext, so Python code and templates treat placeholders alike: the
translated text is `%`-formatted with the named variables (`%(name)s`), and `ngettext` offers the
count as `%(num)s`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from chalicelib.i18n import locales
from chalicelib.i18n.locales import DOMAIN, SOURCE_LOCALE, locale_of

if TYPE_CHECKING:
    import gettext as stdlib_gettext


@functools.cache
def translations(code: str) -> stdlib_gettext.NullTranslations:
    """The compiled catalog of a supported locale code; the source language translates to itself."""
    import gettext as stdlib_gettext

    if code == SOURCE_LOCALE:
        return stdlib_gettext.NullTranslations()
    with (locales.LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as compiled:
        return stdlib_gettext.GNUTranslations(compiled)


class Translator:
    """gettext for one locale, for Python code (templates get the same catalog through Jinja2)."""

    __slots__ = ("catalog", "locale")

    def __init__(self, locale: str, catalog: stdlib_gettext.NullTranslations) -> None:
        self.locale = locale
        self.catalog = catalog

    def gettext(self, message: str, **variables: Any) -> str:
        return self.catalog.gettext(message) % variables

    def ngettext(self, singular: str, plural: str, n: int, **variables: Any) -> str:
        variables.setdefault("num", n)
        return self.catalog.ngettext(singular, plural, n) % variables

    def pgettext(self, context: str, message: str, **variables: Any) -> str:
        return self.catalog.pgettext(context, message) % variables

    def npgettext(self, context: str, singular: str, plural: str, n: int, **variables: Any) -> str:
        variables.setdefault("num", n)
        return self.catalog.npgettext(context, singular, plural, n) % variables

    def lookup(self, message: str) -> str | None:
        """The translation of a text that may or may not be a catalog message (e.g. a domain error's
        detail), None when the catalog does not translate it. Not formatted."""
        if not message:
            return None
        if self.locale == SOURCE_LOCALE:
            return message
        translated = self.catalog.gettext(message)
        return translated if translated != message else None


def translator(locale: str | None) -> Translator:
    """The translator for a stored or chosen locale (any spelling; English when unsupported)."""
    return _translator(locale_of(locale))


@functools.cache
def _translator(code: str) -> Translator:
    return Translator(code, translations(code))
