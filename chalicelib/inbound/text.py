# ruff: noqa: RUF001, RUF002 (Russian reply headers and sign-offs are Cyrillic on purpose)
"""Mail bodies as the text a thread shows: HTML-only mail made readable, and replies without the
quoted history and signature the mail client added.

Quoted history is found by mail-parser-reply (maintained; talon and flanker do not install on Python
3.11+), which knows the reply headers of many languages but not Russian: its language table gets a
Russian entry here, for the headers Russian clients write (Apple Mail and Outlook.com "… написал(а):",
Thunderbird "… пишет:", Gmail "пн, 3 мар. 2025 г. в 10:15, Name <addr>:", Yandex "03.03.2025, 10:15,
"Name" <addr>:", Mail.ru "… от Name <addr>:", Outlook's "От: / Отправлено: / Кому: / Тема:" block) and
their sign-offs. HTML is turned into text by markdownify over BeautifulSoup's stdlib parser, with
plain-text rules (no Markdown emphasis; a link keeps its address; an image shows its alt text).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

Q = r"(?:> ?)*"  # matches inside quoted levels, as mail-parser-reply's own patterns do
_ADDRESS_END = r"[^\n]*<?[^<>\n]*@[^<>\n]+>:"  # the address may wrap onto the next line
RUSSIAN: dict[str, Any] = {
    "wrote_header": [
        rf"^({Q}[^\n]{{0,200}}?\s(?:написал|написала|написал\(а\)|пишет)\s?:)$",
        rf"^({Q}(?:пн|вт|ср|чт|пт|сб|вс),\s[^\n]{{1,40}}\sг\.\sв\s\d{{1,2}}:\d{{2}},?\s?(?:[^\n]*\n)?{_ADDRESS_END})$",
        rf"^({Q}\d{{1,2}}\.\d{{1,2}}\.\d{{2,4}},\s\d{{1,2}}:\d{{2}},\s?(?:[^\n]*\n)?{_ADDRESS_END})$",
        rf"^({Q}[^\n]{{0,80}}\d{{1,2}}:\d{{2}}[^\n]{{0,20}}\sот\s{_ADDRESS_END})$",
    ],
    "from_header": r"((?:(?:^|\n|\n"
    + Q
    + r")[* ]*(?:От|Отправлено|Кому|Тема|Дата|Копия):[ *]*(?:\s{,2}).*){2,}(?:\n.*){,1})",
    "disclaimers": [r"КОНФИДЕНЦИАЛЬНО:", r"Конфиденциальная информация:"],
    "signatures": ["С уважением", "С наилучшими пожеланиями", "Всего доброго", "Всего наилучшего"],
    "sent_from": "Отправлено с|Отправлено из|Sent from my",
}
LANGUAGES = ["en", "ru", "de", "fr", "es"]
_BLANK_RUNS = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t\u00a0]+\n")


@functools.cache
def _languages() -> list[str]:
    from mailparser_reply.constants import MAIL_LANGUAGES

    MAIL_LANGUAGES.setdefault("ru", RUSSIAN)
    return [language for language in LANGUAGES if language in MAIL_LANGUAGES]


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf") and char != "\u200d"  # ZWJ joins emoji


def plain(text: str) -> str:
    """Text as the thread stores it (chalicelib.validation's rule): no control or format characters
    (zero-width spaces, direction marks, BOMs) but tabs and line breaks."""
    return "".join(c for c in text if c in "\t\n" or not _is_control(c))


def one_line(text: str) -> str:
    """A subject or a name (they end up in mail headers): one line, no control or format characters."""
    spaced = "".join((" " if unicodedata.category(c) == "Cc" else "") if _is_control(c) else c for c in text)
    return " ".join(spaced.split())


def tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _TRAILING_SPACE.sub("\n", text)
    return _BLANK_RUNS.sub("\n\n", text).strip()


def reply_text(text: str) -> str:
    """The newest reply of a message: quoted history, reply headers and the signature removed.
    When nothing would be left (everything looked quoted), the text is kept whole."""
    from mailparser_reply.parser import EmailMessage

    cleaned = tidy(text)
    if not cleaned:
        return ""
    parsed = EmailMessage(text=cleaned, languages=list(_languages()), keep_hyphen_lists=True).read()
    newest = parsed.replies[0].body if parsed.replies else cleaned
    lines = newest.split("\n")
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):  # a trailing quote without a header
        lines.pop()
    newest = tidy("\n".join(lines))
    return newest or cleaned


def html_to_text(html: str) -> str:
    """Readable text of an HTML body: paragraphs, lists, tables, quotes and links kept; scripts,
    styles and markup dropped."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head", "title", "meta", "noscript", "template"]):
        tag.decompose()
    return tidy(_converter().convert_soup(soup).replace("\u00a0", " "))


@functools.cache
def _converter() -> Any:
    from markdownify import MarkdownConverter

    class PlainText(MarkdownConverter):
        def convert_a(self, el: Any, text: str, parent_tags: Any) -> str:
            href = (el.get("href") or "").strip()
            text = text.strip()
            if not href.startswith(("http://", "https://", "mailto:")) or href.removeprefix("mailto:") == text:
                return text
            return f"{text} ({href})" if text and text != href else href

        def convert_img(self, el: Any, text: str, parent_tags: Any) -> str:
            alt = (el.get("alt") or "").strip()
            return f"[image: {alt}]" if alt else "[image]"

        def convert_b(self, el: Any, text: str, parent_tags: Any) -> str:
            return text

        convert_strong = convert_em = convert_i = convert_u = convert_b

        def convert_hr(self, el: Any, text: str, parent_tags: Any) -> str:
            return "\n\n________________________________\n\n"

    return PlainText(heading_style="ATX", bullets="-", escape_asterisks=False, escape_underscores=False)
