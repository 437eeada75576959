"""Mail as mail clients read it: subjects and names encoded per RFC 2047 keep every character and every
space (decoded the way RFC 2047 6.2 says, which is what Gmail, Outlook and Thunderbird do), threading and
automatic-mail headers, both MIME parts, addresses in the form SES takes."""

from __future__ import annotations

import email
import email.policy
import random
import re
from email.header import decode_header, make_header

import pytest

from chalicelib import mail
from chalicelib.mail import headers

RUSSIAN = "Не приходит письмо с подтверждением регистрации на сайте компании помогите пожалуйста Принтер ё"  # noqa: RUF001
WORDS = [*RUSSIAN.split(), "Printer", "is", "broken", "[#AB12CD34]", "Re:", "ünïcödé", "日本語", "😀", "a"]


def decoded(raw: bytes, name: str) -> str:
    """The header as an RFC 2047 decoder reads it: unfold (drop CRLF only), then decode the encoded-words."""
    value = re.search(rb"^" + name.encode() + rb": (.*?)\r\n(?=\S)", raw, re.S | re.M)
    assert value is not None
    return str(make_header(decode_header(re.sub(r"\r\n", "", value.group(1).decode("ascii")))))


def message(subject: str, name: str = "Ann", **extra: object) -> mail.Mail:
    return mail.Mail(to="ann@example.com", to_name=name, subject=subject, text="Hi", html="<p>Hi</p>", **extra)


def test_a_russian_subject_keeps_the_space_at_every_fold() -> None:
    subject = "Не приходит письмо с подтверждением регистрации на сайте компании, помогите пожалуйста"  # noqa: RUF001
    raw = mail.mime_bytes(message(subject))
    assert decoded(raw, "Subject") == subject
    assert email.message_from_bytes(raw, policy=email.policy.default)["Subject"] == subject
    for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
        assert len(line) <= 998 and line.isascii()


def test_random_subjects_and_names_decode_exactly() -> None:
    rng = random.Random(14)
    for _ in range(500):
        subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 30)))
        name = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 8)))
        raw = mail.mime_bytes(message(subject, name, sender_name=name))
        assert decoded(raw, "Subject") == subject
        for field in ("To", "From"):
            shown = decoded(raw, field)
            assert shown.rsplit(" <", 1)[0].strip('"').replace('\\"', '"') == name, (field, shown)


def test_encoded_words_stay_within_75_characters_and_never_split_a_character() -> None:
    text = "日本語" * 40 + " " + "😀" * 30
    value = headers.unstructured(text)
    for word in value.split("\r\n "):
        assert len(word) <= headers.MAX_ENCODED_WORD and word.startswith("=?utf-8?b?")
        make_header(decode_header(word))  # each decodes on its own: no split UTF-8 sequence
    assert str(make_header(decode_header(value.replace("\r\n", "")))) == text


def test_control_characters_and_line_breaks_never_reach_a_header() -> None:
    raw = mail.mime_bytes(message("Hello\r\nBcc: victim@example.com", name="Ann\nX-Evil: 1"))
    head = raw.split(b"\r\n\r\n", 1)[0].decode()
    assert "\nBcc:" not in head and "\nX-Evil" not in head
    assert decoded(raw, "Subject") == "Hello Bcc: victim@example.com"


def test_plain_ascii_stays_readable_and_long_lines_fold_at_spaces() -> None:
    subject = "Printer is broken " * 12
    raw = mail.mime_bytes(message(subject.strip()))
    assert b"=?utf-8" not in raw.split(b"\r\n\r\n", 1)[0].split(b"Subject:")[1].split(b"\r\nDate")[0]
    assert decoded(raw, "Subject") == subject.strip()
    assert headers.address('Ann "the" Smith, Jr.', "a@x.com") == '"Ann \\"the\\" Smith, Jr." <a@x.com>'


def test_a_notification_carries_threading_and_automatic_mail_headers_and_both_parts() -> None:
    ids = {"Message-ID": "<b@x>", "In-Reply-To": "<a@x>", "References": "<r@x> <a@x>", "Reply-To": "h+t@in.x"}
    raw = mail.mime_bytes(message("Hi", headers=ids, language="ru"))
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Message-ID"] == "<b@x>" and parsed["In-Reply-To"] == "<a@x>"
    assert parsed["References"].split() == ["<r@x>", "<a@x>"] and parsed["Reply-To"] == "h+t@in.x"
    assert parsed["Auto-Submitted"] == "auto-generated" and parsed["Content-Language"] == "ru"
    assert parsed["Date"] is not None
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]


def test_an_international_domain_is_sent_in_its_ascii_form_and_a_bad_address_is_undeliverable() -> None:
    assert mail.ascii_address("ann@пример.рф") == "ann@xn--e1afmkfd.xn--p1ai"
    raw = mail.mime_bytes(mail.Mail("ann@пример.рф", "Hi", "t", "<p>t</p>"))
    assert b"To: ann@xn--e1afmkfd.xn--p1ai\r\n" in raw
    for bad in ("a,b@example.com", "a<b>@example.com", "ann", "иван@example.com"):
        with pytest.raises(mail.Undeliverable):
            mail.ascii_address(bad)


BODIES = [
    "",
    "Hi",
    "Hello Ann, \nline two é\n",
    "tab\tat the end\t\nspaces at the end   \n\nblank line above",
    "windows\r\nline ends\r\nand a lone\rcarriage return",
    "a=b, =3D, ==, =_ and --=_boundary-looking text\n.\nFrom the start of a line\n",
    "x" * 200 + "\n" + "ё" * 120 + " " + "😀" * 40,
    " ".join(random.Random(7).choices(WORDS, k=400)),
    '<html><body><p style="color: #333">' + "Открыть <a href='https://desk.example/signin/x?a=1&b=2'>ссылку</a> " * 30,
]


@pytest.mark.parametrize("body", BODIES)
def test_both_parts_read_back_as_written_with_short_ascii_lines(body: str) -> None:
    raw = mail.mime_bytes(mail.Mail(to="ann@example.com", subject="Hi", text=body, html=f"<p>{body}</p>"))
    assert all(len(line) <= 78 for line in raw.split(b"\r\n")) and raw.isascii()
    assert b"\n" not in raw.replace(b"\r\n", b"")  # every line ends in CRLF
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed.get_content_type() == "multipart/alternative" and parsed["MIME-Version"] == "1.0"
    expected = body.replace("\r\n", "\n").replace("\r", "\n")
    for subtype, sent in (("plain", expected), ("html", f"<p>{expected}</p>")):
        part = parsed.get_body(preferencelist=(subtype,))
        assert part is not None and part.get_content_charset() == "utf-8"
        read = part.get_content().replace("\r\n", "\n")  # CRLF on the wire, as the standard library writes it
        assert read == (sent if sent.endswith("\n") else sent + "\n")
