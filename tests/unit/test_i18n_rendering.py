"""Templates in the reader's language: one Jinja2 environment per locale (threads rendering in
different languages never see each other's catalog), formatting filters, escaping of translated
text, and the error page that never mixes languages."""

# ruff: noqa: RUF001 (Russian text is meant to be Cyrillic)

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from chalicelib.pages import environment, error_page, render

EMAIL = {
    "customer_name": "Ann",
    "subject": "Printer is broken",
    "company_name": "Acme",
    "employee_name": "Ada",
    "rating_url": "http://desk.test/rate/x",
    "tip_url": "http://desk.test/tip/x",
    "lifetime_days": 14,
    "confirmed": True,
}


def test_each_locale_has_its_own_environment_with_its_catalog() -> None:
    assert environment("ru") is environment("ru") and environment("ru") is not environment("en")
    assert environment("ru").from_string("{{ _('Send') }}").render() == "Отправить"
    assert environment("en").from_string("{{ _('Send') }}").render() == "Send"


def test_without_a_supported_locale_a_template_renders_in_english() -> None:
    assert "Send rating" not in render("pages/error.html", title="T", detail="D", status=400)
    assert '<html lang="en">' in render("pages/error.html", title="T", detail="D", status=400)
    assert '<html lang="en">' in render("pages/error.html", locale="xx", title="T", detail="D", status=400)
    assert '<html lang="ru">' in render("pages/error.html", locale="ru-RU", title="T", detail="D", status=400)


def test_pages_and_emails_rendered_at_once_on_many_threads_keep_their_languages() -> None:
    def one(n: int) -> tuple[str, str]:
        locale = ("en", "ru")[n % 2]
        if n % 4 < 2:
            return locale, render("tips/email.txt", locale=locale, **EMAIL)
        return locale, error_page(404, "Not found", "Ticket was not found.", locale)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, range(400)))
    for locale, text in results:
        russian = "Здравствуйте" in text or "Не найдено" in text
        english = "Hello Ann" in text or "Not found" in text
        assert (russian, english) == ((True, False) if locale == "ru" else (False, True)), text[:300]


def test_filters_format_for_the_environments_locale_and_the_given_time_zone() -> None:
    template = "{{ when|datetime('Europe/Vilnius') }} | {{ when|date }} | {{ amount|money('EUR') }} | {{ n|number }}"
    values = {"when": datetime(2026, 11, 30, 12, 5, tzinfo=UTC), "amount": "1500.5", "n": 12345}
    assert (
        environment("en").from_string(template).render(values)
        == "30 Nov 2026, 14:05 | 30 Nov 2026 | €1,500.50 | 12,345"
    )
    assert (
        environment("ru").from_string(template).render(values)
        == "30 нояб. 2026\u202fг., 14:05 | 30 нояб. 2026\u202fг. | 1\xa0500,50\xa0€ | 12\xa0345"
    )


def test_plural_forms_in_templates_follow_the_count() -> None:
    days = {n: render("tips/email.txt", locale="ru", **{**EMAIL, "lifetime_days": n}) for n in (1, 3, 14, 21)}
    assert "действуют 1 день." in days[1] and "действуют 3 дня." in days[3]
    assert "действуют 14 дней." in days[14] and "действуют 21 день." in days[21]
    assert "expire in 1 day." in render("tips/email.txt", locale="en", **{**EMAIL, "lifetime_days": 1})
    assert "expire in 14 days." in render("tips/email.txt", locale="en", **EMAIL)


def test_values_inside_translated_html_are_escaped_and_text_mail_stays_plain() -> None:
    hostile = {**EMAIL, "customer_name": "<b>Ann</b>", "subject": 'A "quoted" <i>subject</i>'}
    html = render("tips/email.html", locale="ru", **hostile)
    assert "Здравствуйте, &lt;b&gt;Ann&lt;/b&gt;!" in html and "<b>Ann</b>" not in html
    assert "«<strong>A &#34;quoted&#34; &lt;i&gt;subject&lt;/i&gt;</strong>»" in html
    text = render("tips/email.txt", locale="ru", **hostile)
    assert "Здравствуйте, <b>Ann</b>!" in text and '«A "quoted" <i>subject</i>»' in text


def test_the_error_page_shows_the_errors_own_words_in_english() -> None:
    html = error_page(404, "Not found", "Ticket was not found.")
    assert "<h1>Not found</h1>" in html and "<p>Ticket was not found.</p>" in html and "Error 404." in html


@pytest.mark.parametrize(
    ("status", "title", "detail", "shown_title", "shown_detail"),
    [
        (403, "This link cannot be used", "This link is not valid.", "Ссылка не работает", "Ссылка недействительна."),
        (
            410,
            "This link cannot be used",
            "This link has expired.",
            "Ссылка не работает",
            "Срок действия ссылки истёк.",
        ),
        (
            404,
            "Not found",
            "Ticket was not found.",
            "Не найдено",
            "То, что вы ищете, не существует или больше недоступно.",
        ),
        (422, "Request body is not valid", "body: too long", "Этот запрос не удалось обработать", "Вернитесь назад"),
        (500, "Oops", "Boom", "Что-то пошло не так", "Попробуйте позже."),
    ],
)
def test_in_russian_the_error_page_translates_what_it_knows_and_explains_the_rest_by_status(
    status: int, title: str, detail: str, shown_title: str, shown_detail: str
) -> None:
    html = error_page(status, title, detail, "ru")
    assert f"<h1>{shown_title}</h1>" in html and shown_detail in html and f"Ошибка {status}." in html
    assert title not in html and detail not in html
