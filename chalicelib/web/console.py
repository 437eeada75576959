"""The manager's console: the company's settings (name and language, working hours and SLA, tickets, tip
amounts), its e-mail addresses, badges and levels, and customers' data (export and erase).

Every form is validated by the same schema as the JSON API (chalicelib/companies SettingsPatch, the badge
schemas); a refused form comes back with the values typed and an error next to each field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from chalice import Response

from chalicelib.errors import DomainError, ValidationFailed
from chalicelib.http.route import Call, Page, Redirect
from chalicelib.i18n import N_, translator
from chalicelib.settings import get_settings
from chalicelib.web import manager_page
from chalicelib.web.chrome import staff_page

WEEKDAY_NAMES = {
    "mon": N_("Monday"),
    "tue": N_("Tuesday"),
    "wed": N_("Wednesday"),
    "thu": N_("Thursday"),
    "fri": N_("Friday"),
    "sat": N_("Saturday"),
    "sun": N_("Sunday"),
}
LANGUAGES = (("en", "English"), ("ru", "Русский"))
# What a refused field says, next to it (the JSON API's messages stay English and technical).
FIELD_MESSAGES = {
    "display_name": N_("Enter a name of at most 120 characters on one line."),
    "locale": N_("Choose one of the languages offered."),
    "sla_target_minutes": N_("Enter whole minutes from 5 to 10080 (a week), at most the limit."),
    "sla_limit_minutes": N_("Enter whole minutes from 5 to 10080 (a week)."),
    "auto_close_days": N_("Enter whole days from 1 to 60."),
    "business_hours": N_("Open at least one day, or choose to be open around the clock."),
    "business_hours.day": N_("Write hours as 09:00-18:00; several intervals separated by commas, in order."),
    "holidays": N_("Write one date a line as YYYY-MM-DD (at most 366)."),
    "cors_origins": N_("Write up to 20 websites, one a line, as https://www.example.com (no path)."),
    "tip_amounts": N_("Write up to 5 whole amounts from 1 to 1,000,000, separated by commas."),
    "address": N_("Enter an e-mail address such as support@example.com."),
    "own_address": N_("This is one of the desk's own addresses; add the address your customers write to."),
    "email": N_("Enter the customer's e-mail address."),
    "confirm": N_("Tick the box to confirm: erasing cannot be undone."),
    "formula": N_("This formula cannot be read:"),
    "level_name": N_("Each level needs its own name."),
    "form": N_("Please check the values you entered."),
    "badge": N_("Check the values: a name, a window, points from -1000 to 1000 and a minimum of at least 0."),
}
SETTINGS_NAV = (
    ("settings", "/manage/settings", N_("Company and hours")),
    ("mail", "/manage/mail", N_("E-mail addresses")),
    ("canned", "/manage/canned", N_("Canned replies")),
    ("badges", "/manage/badges", N_("Badges and levels")),
    ("customers", "/manage/customers", N_("Customer data")),
)


def _said(t: Any, key: str) -> str:
    """A field's message in the reader's language."""
    return str(t.gettext(FIELD_MESSAGES[key]))


def _to(path: str, **query: str) -> Redirect:
    from urllib.parse import urlencode

    return Redirect(f"{get_settings().public_base_url}{path}{'?' + urlencode(query) if query else ''}")


def _page(call: Call, template: str, context: dict[str, Any], section: str, status: int = 200) -> Page:
    return staff_page(
        call, template, {**context, "settings_nav": SETTINGS_NAV, "section": section}, status, current="settings"
    )


def _messages(failed: ValidationFailed, locale: str) -> dict[str, str]:
    """The refused fields' messages, keyed by form field."""
    t = translator(locale)
    found: dict[str, str] = {}
    for error in failed.errors:
        field = str(error.get("field", ""))
        parts = field.split(".")
        if parts[0] == "business_hours" and len(parts) > 1:
            key, message = f"business_hours.{parts[1]}", _said(t, "business_hours.day")
        elif parts[0] in FIELD_MESSAGES:
            key, message = parts[0], _said(t, parts[0])
        else:
            continue
        found.setdefault(key, message)
    return found


# ---------------------------------------------------------------- company, hours, tickets, tips


def _settings_context(call: Call, company: Any, form: Mapping[str, str] | None, errors: Mapping[str, str]) -> Any:
    from chalicelib.companies import settings_view
    from chalicelib.db.base import plain_map
    from chalicelib.tickets.business_hours import WEEKDAYS

    current = settings_view(company)
    hours = current["business_hours"] or {}
    values: dict[str, Any] = {
        "display_name": company.name,
        "locale": current["locale"] or "",
        "sla_target_minutes": str(current["sla_target_minutes"]),
        "sla_limit_minutes": str(current["sla_limit_minutes"]),
        "auto_close_days": str(current["auto_close_days"]),
        "rating_mail_for_unconfirmed": "1" if current["rating_mail_for_unconfirmed"] else "",
        "cors_origins": "\n".join(current["cors_origins"]),
        "always_open": "1" if current["business_hours"] is None else "",
        "holidays": "\n".join(current["holidays"]),
        "tip_amounts": ", ".join(str(a) for a in current["tip_amounts"].get(company.currency, [])),
        **{f"hours_{day}": ", ".join(hours.get(day, [])) for day in WEEKDAYS},
    }
    values.update(form or {})
    from chalicelib.tips.amounts import defaults

    return {
        "title": N_("Settings"),
        "company": company,
        "values": values,
        "errors": errors,
        "weekdays": [(day, WEEKDAY_NAMES[day]) for day in WEEKDAYS],
        "languages": LANGUAGES,
        "currency": company.currency,
        "default_amounts": ", ".join(str(a) for a in defaults(company.currency)),
        "own_amounts": bool(plain_map(company.settings.tip_amounts).get(company.currency)),
        "calendar_open_now": _open_now(company),
    }


def _open_now(company: Any) -> bool:
    from chalicelib.clock import utcnow
    from chalicelib.companies import calendar

    return calendar(company).is_open(utcnow())


def settings_page(
    call: Call, form: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None, status: int = 200
) -> Page:
    from chalicelib.auth import company_of

    company = company_of(call.who, "settings")  # read with the session (the routes declare it)
    return _page(call, "web/settings.html", _settings_context(call, company, form, errors or {}), "settings", status)


@manager_page(
    "GET",
    "/manage/settings",
    summary="The company's settings: name, language, working hours and SLA, tickets, tip amounts",
    company=("settings",),
)
def settings(call: Call) -> Page:
    return settings_page(call)


def _save(call: Call, data: dict[str, Any], fields: tuple[str, ...], anchor: str) -> Page | Redirect:
    from chalicelib import companies
    from chalicelib.auth import company_of
    from chalicelib.validation import validate

    typed = {name: call.form.get(name, "") for name in fields}
    try:
        patch = validate(companies.SettingsPatch, data, strict=False)
        companies.update_settings(call.who.company_id, patch, company_of(call.who, "settings"))
    except ValidationFailed as failed:
        errors = _messages(failed, call.locale) or {"form": _said(translator(call.locale), "form")}
        return settings_page(call, typed, errors, 422)
    return _to("/manage/settings", notice="saved")


@manager_page(
    "POST",
    "/manage/settings/company",
    summary="Change the company's display name and language",
    company=("settings",),
)
def save_company(call: Call) -> Page | Redirect:
    form = call.form
    data: dict[str, Any] = {"display_name": form.get("display_name", "")}
    if form.get("locale"):
        data["locale"] = form["locale"]
    return _save(call, data, ("display_name", "locale"), "company")


@manager_page(
    "POST",
    "/manage/settings/hours",
    summary="Change the working hours, holidays and the first-reply SLA (counted in working time)",
    company=("settings",),
)
def save_hours(call: Call) -> Page | Redirect:
    from chalicelib.tickets.business_hours import WEEKDAYS

    form = call.form
    data: dict[str, Any] = {
        "sla_target_minutes": form.get("sla_target_minutes", ""),
        "sla_limit_minutes": form.get("sla_limit_minutes", ""),
        "holidays": [line.strip() for line in form.get("holidays", "").splitlines() if line.strip()],
    }
    if form.get("always_open"):
        data["business_hours"] = None
    else:
        data["business_hours"] = {
            day: [part.strip() for part in form.get(f"hours_{day}", "").split(",") if part.strip()] for day in WEEKDAYS
        }
    fields = ("sla_target_minutes", "sla_limit_minutes", "holidays", "always_open", *(f"hours_{d}" for d in WEEKDAYS))
    return _save(call, data, fields, "hours")


@manager_page(
    "POST",
    "/manage/settings/tickets",
    summary="Change after how many days resolved tickets close by themselves, and whether those get the rating mail",
    company=("settings",),
)
def save_tickets(call: Call) -> Page | Redirect:
    data = {
        "auto_close_days": call.form.get("auto_close_days", ""),
        "rating_mail_for_unconfirmed": bool(call.form.get("rating_mail_for_unconfirmed")),  # unticked: not sent
    }
    return _save(call, data, ("auto_close_days", "rating_mail_for_unconfirmed"), "tickets")


@manager_page(
    "POST",
    "/manage/settings/widget",
    summary="Change the websites whose pages may send requests to the JSON intake (the web widget's origins)",
    company=("settings",),
)
def save_widget(call: Call) -> Page | Redirect:
    origins = [line.strip() for line in call.form.get("cors_origins", "").splitlines() if line.strip()]
    return _save(call, {"cors_origins": origins}, ("cors_origins",), "widget")


@manager_page(
    "POST",
    "/manage/settings/tips",
    summary="Change the tip amounts offered in the company's currency",
    company=("settings",),
)
def save_tips(call: Call) -> Page | Redirect:
    from chalicelib.auth import company_of

    currency = company_of(call.who, "settings").currency
    raw = [part.strip() for part in call.form.get("tip_amounts", "").split(",") if part.strip()]
    amounts: list[Any] = [int(part) if part.isdigit() and len(part) < 10 else part for part in raw]
    return _save(call, {"tip_amounts": {currency: amounts}}, ("tip_amounts",), "tips")


# ---------------------------------------------------------------- e-mail addresses


def mail_page(call: Call, typed: str = "", error: str = "", status: int = 200) -> Page:
    from chalicelib.inbound import addresses

    found = sorted(addresses.addresses_of(call.who.company_id), key=lambda r: (r.kind != "desk", r.address))
    context = {"title": N_("E-mail addresses"), "addresses": found, "typed": typed, "error": error}
    return _page(call, "web/mail_addresses.html", context, "mail", status)


@manager_page(
    "GET",
    "/manage/mail",
    summary="The company's inbound e-mail addresses",
)
def mail(call: Call) -> Page:
    return mail_page(call)


@manager_page(
    "POST",
    "/manage/mail",
    summary="Add one of the company's own addresses",
)
def add_address(call: Call) -> Page | Redirect:
    from chalicelib.api.mail import NewAddress
    from chalicelib.inbound import addresses
    from chalicelib.validation import validate

    typed = call.form.get("address", "")
    try:
        request = validate(NewAddress, {"address": typed})
    except ValidationFailed:
        return mail_page(call, typed, _said(translator(call.locale), "address"), 422)
    try:
        addresses.add_own_address(call.who.company_id, request.address, call.who.employee_id, is_manager=True)
    except ValidationFailed as failed:
        own = any(e.get("code") == "own-address" for e in failed.errors)
        return mail_page(call, typed, _said(translator(call.locale), "own_address" if own else "address"), 422)
    except DomainError as error:
        return _to("/manage/mail", error=error.slug)
    return _to("/manage/mail", notice="saved")


@manager_page(
    "POST",
    "/manage/mail/remove",
    summary="Remove one of the company's own addresses",
)
def remove_address(call: Call) -> Redirect:
    from chalicelib.inbound import addresses

    try:
        addresses.remove_own_address(call.who.company_id, call.form.get("address", ""), is_manager=True)
    except DomainError as error:
        return _to("/manage/mail", error=error.slug)
    return _to("/manage/mail", notice="deleted")


# ---------------------------------------------------------------- badges and levels


def badges_page(
    call: Call,
    levels: list[dict[str, str]] | None = None,
    level_errors: Mapping[int, str] | None = None,
    badge_error: str = "",
    status: int = 200,
) -> Page:
    from chalicelib.badges import config

    current = config.load(call.who.company_id)
    context = {
        "title": N_("Badges and levels"),
        "rules": current.rules,
        "levels": levels or current.levels,
        "level_errors": level_errors or {},
        "badge_error": badge_error,
        "windows": (("7d", N_("the last 7 days")), ("yesterday", N_("yesterday")),
                    ("yesterday_vs_day_before", N_("yesterday against the day before"))),
        "variables": sorted(config.levels_view(current)["variables"]),
    }  # fmt: skip
    return _page(call, "web/badges_config.html", context, "badges", status)


@manager_page(
    "GET",
    "/manage/badges",
    summary="The company's badge rules and level formulas",
)
def badges(call: Call) -> Page:
    return badges_page(call)


@manager_page(
    "POST",
    "/manage/badges/rules/{key}",
    summary="Change one badge: name, on or off, window, minimum, points",
)
def save_badge(call: Call, key: str) -> Page | Redirect:
    from chalicelib.badges import config
    from chalicelib.badges.rules import BadgePatch
    from chalicelib.validation import validate

    form = call.form
    data: dict[str, Any] = {"key": key, "enabled": form.get("enabled") == "on"}
    for name in ("name", "window", "min_value", "points"):
        if form.get(name, "").strip():
            data[name] = form[name]
    try:
        config.patch_badge(call.who, validate(BadgePatch, data, strict=False))
    except ValidationFailed:
        return badges_page(call, badge_error=key, status=422)
    return _to("/manage/badges", notice="saved")


@manager_page(
    "POST",
    "/manage/badges/levels",
    summary="Replace the 12 level formulas (each checked before anything is saved)",
)
def save_levels(call: Call) -> Page | Redirect:
    from chalicelib.badges import config
    from chalicelib.badges.levels import LEVEL_COUNT, LevelsUpdate
    from chalicelib.validation import validate

    typed = [
        {"name": call.form.get(f"name_{n}", ""), "formula": call.form.get(f"formula_{n}", "")}
        for n in range(LEVEL_COUNT)
    ]
    try:
        config.set_levels(call.who, validate(LevelsUpdate, {"levels": typed}, strict=False))
    except ValidationFailed as failed:
        return badges_page(call, typed, _level_errors(failed, call.locale), status=422)
    return _to("/manage/badges", notice="saved")


def _level_errors(failed: ValidationFailed, locale: str) -> dict[int, str]:
    t = translator(locale)
    found: dict[int, str] = {}
    for error in failed.errors:
        parts = str(error.get("field", "")).split(".")
        if len(parts) >= 2 and parts[0] == "levels" and parts[1].isdigit():
            index = int(parts[1])
            if parts[-1] == "formula" and error.get("code") == "formula":
                found[index] = f"{_said(t, 'formula')} {error.get('message', '')}"
            elif parts[-1] == "formula":
                found[index] = _said(t, "formula")
            else:
                found[index] = _said(t, "level_name")
        elif parts[0] == "levels":
            found[-1] = _said(t, "level_name")
    return found


# ---------------------------------------------------------------- customers' data


def customers_page(
    call: Call, form: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None, status: int = 200
) -> Page:
    context = {"title": N_("Customer data"), "values": dict(form or {}), "errors": errors or {}}
    return _page(call, "web/customer_data.html", context, "customers", status)


@manager_page(
    "GET",
    "/manage/customers",
    summary="Export or erase what is stored about a customer",
)
def customer_data(call: Call) -> Page:
    return customers_page(call)


def _customer_ref(call: Call) -> Any:
    from chalicelib.karma.privacy import CustomerRef
    from chalicelib.validation import validate

    return validate(CustomerRef, {"email": call.form.get("email", "")})


@manager_page(
    "POST",
    "/manage/customers/export",
    summary="Download everything stored about a customer (JSON)",
)
def export_customer(call: Call) -> Page | Response | Redirect:
    from chalicelib.karma import privacy

    t = translator(call.locale)
    try:
        ref = _customer_ref(call)
    except ValidationFailed:
        typed, message = {"export_email": call.form.get("email", "")}, _said(t, "email")
        return customers_page(call, typed, {"export_email": message}, 422)
    try:
        data = privacy.export(call.who, ref)
    except DomainError as error:
        if error.status != 404:
            raise
        return _to("/manage/customers", error="no-customer")
    return Response(
        body=json.dumps(data, ensure_ascii=False, indent=2),
        status_code=200,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Content-Disposition": f'attachment; filename="customer-{data["customer"]["customer_id"]}.json"',
            "Cache-Control": "no-store",
        },
    )


@manager_page(
    "POST",
    "/manage/customers/erase",
    summary="Erase a customer: personal data removed, anonymous figures kept",
)
def erase_customer(call: Call) -> Page | Redirect:
    from chalicelib.karma import privacy

    t = translator(call.locale)
    typed = {"erase_email": call.form.get("email", "")}
    errors: dict[str, str] = {}
    try:
        ref = _customer_ref(call)
    except ValidationFailed:
        ref, errors["erase_email"] = None, _said(t, "email")
    if call.form.get("confirm") != "yes":
        errors["confirm"] = _said(t, "confirm")
    if errors or ref is None:
        return customers_page(call, typed, errors, 422)
    try:
        privacy.erase(call.who, ref)
    except DomainError as error:
        if error.status == 404:
            return _to("/manage/customers", error="no-customer")
        return _to("/manage/customers", error=error.slug)
    return _to("/manage/customers", notice="erased")
