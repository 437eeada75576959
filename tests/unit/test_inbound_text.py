"""Reply text without quoted history and signature (English and Russian clients), HTML as text, and
safe attachment names."""

# ruff: noqa: RUF001
from __future__ import annotations

import pytest

from chalicelib.inbound.attachments import disposition, safe_name
from chalicelib.inbound.text import html_to_text, reply_text

QUOTE = "> Please check the toner.\n>\n> Ada"
RU_QUOTE = "> Проверьте тонер.\n> Ada"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Thanks!\n\nOn Mon, 3 Mar 2025 at 10:15, Acme <reply+x@in.desk.test> wrote:\n{QUOTE}", "Thanks!"),
        (f"Done.\n\nOn 03.03.2025 10:15, Acme Support wrote:\n{QUOTE}", "Done."),
        (f"Yes\n\nSent from my iPhone\n\n> On 3 Mar 2025, at 10:15, Acme <a@b.c> wrote:\n{QUOTE}", "Yes"),
        (
            "Fine now.\n\nBest regards,\nAnn Smith\n\n________________________________\nFrom: Acme <a@b.c>\n"
            "Sent: Monday, March 3, 2025 10:15 AM\nTo: Ann <ann@example.com>\nSubject: Re: Printer\n\nCheck it.",
            "Fine now.",
        ),
        (f"Спасибо, заработало.\n\n03.03.2025 10:15, Acme Support пишет:\n{RU_QUOTE}", "Спасибо, заработало."),
        (f"Спасибо!\n\n3 марта 2025 г., в 10:15, Acme <a@b.c> написал(а):\n\n{RU_QUOTE}", "Спасибо!"),
        (f"Готово.\n\n03.03.2025, 15:20, Acme Support написал:\n{RU_QUOTE}", "Готово."),
        (f"Ок\n\nпн, 3 мар. 2025 г. в 10:15, Acme Support <a@b.c>:\n\n{RU_QUOTE}", "Ок"),
        (f'Ок\n\n03.03.2025, 10:15, "Acme Support" <a@b.c>:\n{RU_QUOTE}', "Ок"),
        (f"Хорошо\n\nПонедельник, 3 марта 2025, 10:15 +03:00 от Acme <a@b.c>:\n{RU_QUOTE}", "Хорошо"),
        (
            "Готово.\n\nС уважением,\nИван\n\nОт: Acme <a@b.c>\nОтправлено: 3 марта 2025 г. 10:15\n"
            "Кому: Иван <ivan@example.ru>\nТема: Re: Принтер\n\nПроверьте тонер.",
            "Готово.",
        ),
        ("Работает.\n\nОтправлено из мобильной Почты Mail.ru", "Работает."),
        (f"Just a quote below\n\n{QUOTE}", "Just a quote below"),
        ("Steps:\n- open the tray\n- pull the paper\n\nThanks", "Steps:\n- open the tray\n- pull the paper\n\nThanks"),
        (QUOTE, QUOTE.replace("\n>\n", "\n>\n")),  # nothing but a quote: kept whole rather than emptied
        ("", ""),
    ],
)
def test_reply_text_keeps_only_the_newest_reply(text: str, expected: str) -> None:
    assert reply_text(text) == expected


def test_html_becomes_readable_text_without_markup_scripts_or_styles() -> None:
    html = (
        "<html><head><title>t</title><style>p{color:red}</style></head><body><p>Hello&nbsp;<b>there</b></p>"
        '<p><a href="https://x.example/a">the order</a> and <a href="javascript:alert(1)">bad</a></p>'
        "<ul><li>one</li><li>two</li></ul><blockquote>quoted</blockquote><script>alert(1)</script>"
        '<img src="cid:1" alt="logo"></body></html>'
    )
    assert html_to_text(html) == (
        "Hello there\n\nthe order (https://x.example/a) and bad\n\n- one\n- two\n\n> quoted\n\n[image: logo]"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\report.pdf", "report.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ('a<b>c:"d|e?.txt', "a_b_c_d_e_.txt"),
        ("\x00\x07", "attachment-3.pdf"),
        (None, "attachment-3.pdf"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
        ("счёт.pdf", "счёт.pdf"),
        ("  .hidden  ", "hidden"),
    ],
)
def test_attachment_names_are_made_safe(name: str | None, expected: str) -> None:
    assert safe_name(name, 3, "application/pdf") == expected


def test_the_download_name_is_quoted_for_any_client() -> None:
    assert disposition('счёт "1".pdf') == (
        "attachment; filename=\"____ _1_.pdf\"; filename*=UTF-8''%D1%81%D1%87%D1%91%D1%82%20%221%22.pdf"
    )
