"""Checks that a text meant for a Russian reader has no English left in it: none of the catalog's
English source strings (the words around their placeholders) appears in what a person reads."""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser

from babel.messages.pofile import read_po

from chalicelib import i18n

PLACEHOLDER = re.compile(r"%\(\w+\)s|%%|<[^>]+>")
URL = re.compile(r"https?://\S+")
SHOWN_ATTRIBUTES = ("title", "aria-label", "alt", "placeholder", "value")


@cache
def english_phrases() -> dict[str, str]:
    """Each source string's phrases (the text between its placeholders) -> the source string."""
    with (i18n.LOCALE_DIR / "messages.pot").open("rb") as file:
        template = read_po(file)
    phrases: dict[str, str] = {}
    for message in template:
        for source in message.id if isinstance(message.id, tuple) else (message.id,):
            for phrase in PLACEHOLDER.split(source or ""):
                phrase = phrase.strip(" \t\n.,:;!?()«»“”\"'·\u2013-")
                if sum(ch.isalpha() for ch in phrase) >= 2:
                    phrases[phrase] = source
    return phrases


def _shows_value(tag: str, attrs: dict[str, str | None]) -> bool:
    """Only an input button shows its value (an option or a button shows its text; hidden inputs nothing)."""
    return tag == "input" and (attrs.get("type") or "").lower() in ("submit", "button", "reset")


class _Shown(HTMLParser):
    """The text a person sees or hears: text nodes outside style/script and a few attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._hidden += 1
        shown = [a for a in SHOWN_ATTRIBUTES if a != "value" or _shows_value(tag, dict(attrs))]
        self.parts.extend(value or "" for name, value in attrs if name in shown)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def shown_text(html: str) -> str:
    parser = _Shown()
    parser.feed(html)
    return "\n".join(parser.parts)


def english_left_in(text: str) -> list[str]:
    """The source strings whose English words appear in `text` (HTML is reduced to what is shown)."""
    if "<html" in text or "<p" in text:
        text = shown_text(text)
    text = URL.sub(" ", text)
    return sorted(
        {
            source
            for phrase, source in english_phrases().items()
            if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text)
        }
    )
