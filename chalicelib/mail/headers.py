"""Mail headers written by hand, because the standard library's folding loses characters.

`email.policy.default` may fold an RFC 2047 header so that the space between two words ends up outside
the encoded-words ("=?utf-8?b?...?=  =?utf-8?b?...?="); RFC 2047 6.2 tells decoders to drop whitespace
between adjacent encoded-words, so Gmail, Outlook and Thunderbird join a Russian "two words" into "twowords".
Here every space stays inside an encoded-word, each encoded-word holds whole characters (a fold never
splits a UTF-8 sequence) and breaks fall after a space where one is near. Pure functions.
"""

from __future__ import annotations

import base64
import re
from email.utils import formataddr

MAX_ENCODED_WORD = 75  # RFC 2047 2: an encoded-word is at most 75 characters
_PREFIX, _SUFFIX = "=?utf-8?b?", "?="
# base64 of n bytes is 4 * ceil(n / 3) characters: 45 bytes fill 60 of the 63 left for the payload
MAX_CHUNK_BYTES = 3 * ((MAX_ENCODED_WORD - len(_PREFIX) - len(_SUFFIX)) // 4)
FOLD = "\r\n "
_TOKENS = re.compile(r"\S+\s*|\s+")
_PLAIN = re.compile(r"^[\x20-\x7e]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def clean(text: str) -> str:
    """One line of header text: control characters and line breaks become a space."""
    return _CONTROL.sub(" ", text).strip()


def _encoded_word(chunk: str) -> str:
    return f"{_PREFIX}{base64.b64encode(chunk.encode()).decode()}{_SUFFIX}"


def _chunks(text: str) -> list[str]:
    """Pieces of at most MAX_CHUNK_BYTES UTF-8 bytes, cut after a space where possible, never inside a character."""
    chunks: list[str] = []
    current = ""
    for token in _TOKENS.findall(text):
        if len((current + token).encode()) <= MAX_CHUNK_BYTES:
            current += token
            continue
        if current:
            chunks.append(current)
        current = ""
        for char in token:  # a word longer than one encoded-word is cut between characters
            if len((current + char).encode()) > MAX_CHUNK_BYTES:
                chunks.append(current)
                current = ""
            current += char
    if current:
        chunks.append(current)
    return chunks


def needs_encoding(text: str) -> bool:
    return not _PLAIN.match(text) or "=?" in text


def encode_words(text: str) -> str:
    """Encoded-words for non-ASCII text, folded between them; decoders join them back exactly."""
    return FOLD.join(_encoded_word(chunk) for chunk in _chunks(text))


def fold_plain(text: str, width: int = 76) -> str:
    """Printable ASCII folded at spaces (unfolding puts each space back)."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return "\r\n ".join(lines)


def unstructured(text: str) -> str:
    """A Subject (or any unstructured header) value."""
    text = clean(text)
    return encode_words(text) if needs_encoding(text) else fold_plain(text)


def address(display_name: str | None, addr: str) -> str:
    """`Name <addr>`, the name quoted or encoded as needed; `addr` must already be ASCII."""
    name = clean(display_name or "")
    if not name:
        return addr
    if needs_encoding(name):
        return f"{encode_words(name)} <{addr}>"
    return formataddr((name, addr))


def id_list(ids: list[str]) -> str:
    """Message ids (References), one per folded line."""
    return FOLD.join(ids)
