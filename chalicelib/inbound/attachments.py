"""Files that come with e-mail: limits, safe names, storage in the mail bucket, short-lived links.

The object key is made from the message's identity and the file's position, never from the sender's
file name, so a hostile name cannot reach a path, and a redelivered message overwrites its own files.
The name people see is sanitised (no path, no control or direction-override characters, bounded).
Executables and scripts are withheld, as are files over the limits: the thread says so.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
import unicodedata
from typing import Any
from urllib.parse import quote

from chalicelib.inbound import storage
from chalicelib.inbound.parse import Part

logger = logging.getLogger(__name__)

MAX_FILES = 20
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TOTAL_BYTES = 25 * 1024 * 1024
BLOCKED_EXTENSIONS = frozenset(
    {"exe", "com", "bat", "cmd", "scr", "pif", "msi", "msp", "dll", "cpl", "jar", "js", "jse", "vbs", "vbe", "wsf"}
    | {"wsh", "hta", "ps1", "psm1", "lnk", "reg", "inf", "app", "sh", "apk", "iso", "img", "vhd"}
)
# Served for download only, never rendered by a browser from the bucket's origin.
SAFE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "text/csv"}
)
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|]+')
_SPACES = re.compile(r"\s+")


def safe_name(name: str | None, index: int, content_type: str) -> str:
    """A file name fit to show and to offer for download."""
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(c for c in text if unicodedata.category(c)[0] not in ("C",))  # controls, RLO/LRO, ...
    text = _UNSAFE_NAME.sub("_", text.replace("\\", "/").rsplit("/", 1)[-1])
    text = _SPACES.sub(" ", text).strip(" .")
    if not text:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        text = f"attachment-{index}{extension}"
    if len(text) > 120:
        stem, dot, extension = text.rpartition(".")
        text = (stem[: 119 - len(extension)] + dot + extension) if dot and len(extension) <= 10 else text[:120]
    return text


def extension_of(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def store(parts: list[Part], company_id: str, identity: str) -> list[dict[str, Any]]:
    """Keep the message's files (withheld ones are listed with the reason); returns Attachment maps."""
    kept: list[dict[str, Any]] = []
    total = 0
    folder = hashlib.sha256(f"{company_id}\n{identity}".encode()).hexdigest()[:32]
    for index, part in enumerate(parts, start=1):
        name = safe_name(part.filename, index, part.content_type)
        size = len(part.data)
        entry: dict[str, Any] = {
            "key": f"{storage.ATTACHMENTS}{company_id}/{folder}/{index}",
            "name": name,
            "content_type": part.content_type if part.content_type in SAFE_TYPES else "application/octet-stream",
            "size": size,
            "inline": part.inline,
            "content_id": part.content_id[:200] if part.content_id else None,
        }
        reason = _withhold(name, size, total, index)
        if reason:
            entry.update(key="", withheld=reason)
            logger.warning("attachment withheld", extra={"reason": reason, "size": size})
        else:
            total += size
            storage.s3_client().put_object(
                Bucket=storage.bucket(),
                Key=entry["key"],
                Body=part.data,
                ContentType=entry["content_type"],
                ContentDisposition=disposition(name),
                ServerSideEncryption="AES256",
            )
        kept.append(entry)
    return kept


def _withhold(name: str, size: int, total: int, index: int) -> str | None:
    if index > MAX_FILES:
        return "too-many-files"
    if extension_of(name) in BLOCKED_EXTENSIONS:
        return "executable"
    if size > MAX_FILE_BYTES:
        return "too-large"
    if total + size > MAX_TOTAL_BYTES:
        return "too-large-together"
    return None


def disposition(name: str) -> str:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def link(key: str, name: str, content_type: str) -> str:
    """A presigned GET for one attachment, valid for LINK_SECONDS, always as a download."""
    url: str = storage.s3_client().generate_presigned_url(
        "get_object",
        Params={
            "Bucket": storage.bucket(),
            "Key": key,
            "ResponseContentDisposition": disposition(name),
            "ResponseContentType": content_type if content_type in SAFE_TYPES else "application/octet-stream",
        },
        ExpiresIn=storage.LINK_SECONDS,
    )
    return url


def view(attachments: Any) -> list[dict[str, Any]]:
    """How a message's files appear in the thread: name, type, size, and a short-lived link."""
    shown = []
    for attachment in attachments or []:
        entry: dict[str, Any] = {
            "name": attachment.name,
            "content_type": attachment.content_type,
            "size": int(attachment.size),
            "inline": bool(attachment.inline),
        }
        if attachment.withheld:
            entry["withheld"] = attachment.withheld
        else:
            entry["url"] = link(attachment.key, attachment.name, attachment.content_type)
        shown.append(entry)
    return shown
