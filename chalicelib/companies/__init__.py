"""Companies: sign-up (company + first manager + token, atomically) and settings."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass
from typing import (
    Annotated,
    Any,
    Literal,
    NotRequired,  # pydantic reads TypedDicts from here on 3.11
)

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator
from typing_extensions import TypedDict

from chalicelib import auth
from chalicelib.clock import is_valid_timezone, iso, utcnow
from chalicelib.db.base import plain_map, transaction
from chalicelib.db.models import DIRECTORY, Company, CompanySettings, Employee
from chalicelib.errors import NotFound, ValidationFailed
from chalicelib.ids import new_id
from chalicelib.tickets import business_hours
from chalicelib.tips import amounts as tip_amounts
from chalicelib.validation import Email, Integer, Name, PatchBody, RequestBody


def _timezones(schema: dict[str, Any]) -> None:
    """The document lists the IANA zones the validator accepts (read when the document is built)."""
    from zoneinfo import available_timezones

    schema["enum"] = sorted(available_timezones() | {"UTC"})


class SignUp(RequestBody):
    name: Name
    manager_name: Name
    manager_email: Email
    timezone: str = Field(default="UTC", max_length=64, json_schema_extra=_timezones)
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        if not is_valid_timezone(value):
            raise ValueError("must be an IANA time zone such as Europe/Vilnius")
        return value


Interval = Annotated[str, StringConstraints(strip_whitespace=True, pattern=business_hours.INTERVAL.pattern)]
DayHours = Annotated[list[Interval], Field(max_length=business_hours.MAX_INTERVALS_PER_DAY)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
TipAmount = Annotated[Integer, Field(ge=1, le=tip_amounts.MAX_AMOUNT)]
TipAmounts = Annotated[list[TipAmount], Field(max_length=tip_amounts.MAX_AMOUNTS)]
CompanyLocale = Literal["en", "ru"]


def _calendar_day(value: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError("must be a real calendar date") from None


# A date as YYYY-MM-DD (PatchBody's null check reads the JSON as Python first, so dates come as strings)
CalendarDay = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), AfterValidator(_calendar_day)]


class WeekHours(RequestBody):
    """Opening hours per weekday in the company's time zone, e.g. `"mon": ["09:00-13:00", "14:00-18:00"]`;
    a day left out or empty is closed. `24:00` ends a day at midnight."""

    mon: DayHours = Field(default_factory=list)
    tue: DayHours = Field(default_factory=list)
    wed: DayHours = Field(default_factory=list)
    thu: DayHours = Field(default_factory=list)
    fri: DayHours = Field(default_factory=list)
    sat: DayHours = Field(default_factory=list)
    sun: DayHours = Field(default_factory=list)

    @field_validator(*business_hours.WEEKDAYS)
    @classmethod
    def _day(cls, value: list[str]) -> list[str]:
        return [hours.text() for hours in business_hours.check_day(business_hours.parse_interval(v) for v in value)]

    @model_validator(mode="after")
    def _some_open_hours(self) -> WeekHours:
        if not any(getattr(self, day) for day in business_hours.WEEKDAYS):
            raise ValueError("a schedule needs some open hours; send null for a desk that is always open")
        return self

    def as_settings(self) -> dict[str, list[str]]:
        return {day: list(getattr(self, day)) for day in business_hours.WEEKDAYS}


Origin = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, max_length=200, pattern=r"(?i)^https?://[a-z0-9.-]+(:[0-9]{1,5})?$"
    ),
]


class SettingsPatch(PatchBody):
    CLEARABLE = frozenset({"business_hours"})  # null: open around the clock again

    display_name: Name | None = None
    locale: CompanyLocale | None = None
    sla_target_minutes: Integer | None = Field(default=None, ge=5, le=7 * 24 * 60)
    sla_limit_minutes: Integer | None = Field(default=None, ge=5, le=7 * 24 * 60)
    auto_close_days: Integer | None = Field(default=None, ge=1, le=60)
    link_ttl_days: Integer | None = Field(default=None, ge=1, le=90)
    karma_half_life_days: Integer | None = Field(default=None, ge=1, le=3650)
    karma_literate_min: float | None = Field(default=None, ge=1, le=5)
    karma_literate_min_ratings: Integer | None = Field(default=None, ge=1, le=100)
    karma_difficult_max: float | None = Field(default=None, ge=1, le=5)
    karma_calm_min: float | None = Field(default=None, ge=1, le=5)
    karma_temperament_min_ratings: Integer | None = Field(default=None, ge=1, le=100)
    business_hours: WeekHours | None = None
    holidays: list[CalendarDay] | None = Field(default=None, max_length=366)
    # per currency; an empty list goes back to that currency's defaults
    tip_amounts: dict[Currency, TipAmounts] | None = Field(default=None, max_length=20)
    rating_mail_for_unconfirmed: bool | None = None
    cors_origins: list[Origin] | None = Field(default=None, max_length=20)


@dataclass(frozen=True)
class SignUpResult:
    company: Company
    manager: Employee
    token: str


def sign_up(request: SignUp, *, with_token: bool = True) -> SignUpResult:
    """The company, its first manager and (for the JSON sign-up) the manager's API token ("" without)."""
    now = utcnow()
    company_id = new_id("co")
    company = Company(
        company_id,
        name=request.name,
        timezone=request.timezone,
        currency=request.currency,
        intake_key=new_intake_key(company_id),
        settings=CompanySettings(),
        created_at=now,
        directory=DIRECTORY,
    )
    manager = Employee(
        company.company_id,
        new_id("emp"),
        name=request.manager_name,
        email=request.manager_email.lower(),
        role=auth.MANAGER,
        tier=2,
        departments=[],
        status="offline",
        status_since=now,
        active=True,
        created_at=now,
    )
    token, token_record = auth.new_token(company.company_id, manager.employee_id, now)
    from chalicelib.employees import staff
    from chalicelib.inbound import addresses  # the company's e-mail address on the inbound domain

    company.inbound_handle = addresses.new_handle(request.name)
    company.staff = {manager.employee_id: staff.entry(manager)}
    company.loads = {manager.employee_id: {}}
    company.canned, company.canned_kept_bytes = {}, 0  # its canned replies are kept from the start
    with transaction() as tx:
        tx.save(
            addresses.desk_record(company, company.inbound_handle, now),
            condition=addresses.MailAddress.address.does_not_exist(),
        )
        tx.save(company, condition=Company.company_id.does_not_exist())
        tx.save(manager, condition=Employee.employee_id.does_not_exist())
        if with_token:
            tx.save(token_record, condition=auth.ApiToken.token_hash.does_not_exist())
    return SignUpResult(company, manager, token if with_token else "")


def get(company_id: str) -> Company:
    try:
        return Company.get(company_id)
    except Company.DoesNotExist:
        raise NotFound("Company") from None


def new_intake_key(company_id: str) -> str:
    """The key customers' forms post to: it names the company (so intake reads the company with the
    customer, in one BatchGetItem) and carries 128 random bits, compared with the stored key."""
    return f"{company_id}.{new_id('in')}"


def named_in_intake_key(intake_key: str) -> str | None:
    """The company id an intake key names (None for a malformed key)."""
    company_id, dot, rest = intake_key.partition(".")
    return company_id if dot and company_id and rest and len(intake_key) <= 80 else None


def matches_intake_key(company: Company | None, intake_key: str) -> Company:
    """The company, if `intake_key` is its current key; NotFound otherwise."""
    if company is None or not hmac.compare_digest(company.intake_key.encode(), intake_key.encode()):
        raise NotFound("Company")
    return company


def by_intake_key(intake_key: str) -> Company:
    company_id = named_in_intake_key(intake_key)
    if company_id is None:
        raise NotFound("Company")
    try:
        company = Company.get(company_id)
    except Company.DoesNotExist:
        company = None
    return matches_intake_key(company, intake_key)


def update_settings(company_id: str, patch: SettingsPatch, company: Company | None = None) -> Company:
    """`company`: the item as the caller read it (authentication does): checked against, then updated."""
    company = company or get(company_id)
    changes = patch.model_dump(exclude_unset=True)
    target = changes.get("sla_target_minutes", company.settings.sla_target_minutes)
    limit = changes.get("sla_limit_minutes", company.settings.sla_limit_minutes)
    if target > limit:
        raise ValidationFailed(
            "The SLA target cannot be later than the SLA limit.",
            [{"field": "sla_target_minutes", "message": "must not exceed sla_limit_minutes", "code": "range"}],
        )
    difficult = changes.get("karma_difficult_max", company.settings.karma_difficult_max)
    if difficult >= changes.get("karma_calm_min", company.settings.karma_calm_min):
        raise ValidationFailed(
            "A customer cannot be both difficult and calm.",
            [{"field": "karma_difficult_max", "message": "must be below karma_calm_min", "code": "range"}],
        )
    actions: list[Any] = []
    if "display_name" in changes:
        actions.append(Company.name.set(changes.pop("display_name")))
    if "business_hours" in changes:
        hours = patch.business_hours.as_settings() if patch.business_hours is not None else None
        changes.pop("business_hours")
        actions.append(
            Company.settings.business_hours.set(hours) if hours else Company.settings.business_hours.remove()
        )
    if "holidays" in changes:
        changes["holidays"] = sorted(set(changes["holidays"]))
    if "cors_origins" in changes:
        changes["cors_origins"] = sorted(set(changes["cors_origins"]))
    if "tip_amounts" in changes:
        merged = plain_map(company.settings.tip_amounts)
        for currency, offered in changes["tip_amounts"].items():
            if offered:
                merged[currency] = tip_amounts.normalised(offered)
            else:
                merged.pop(currency, None)
        changes["tip_amounts"] = merged
    actions += [getattr(Company.settings, name).set(value) for name, value in changes.items()]
    company.update(actions=actions)
    return company


class SettingsOut(TypedDict):
    sla_target_minutes: int
    sla_limit_minutes: int
    auto_close_days: int
    link_ttl_days: int
    karma_half_life_days: int
    karma_literate_min: float
    karma_literate_min_ratings: int
    karma_difficult_max: float
    karma_calm_min: float
    karma_temperament_min_ratings: int
    business_hours: dict[str, list[str]] | None  # None: open around the clock
    holidays: list[str]
    tip_amounts: dict[str, list[int]]  # the company's own per currency, and its currency's amounts in effect
    locale: str | None
    rating_mail_for_unconfirmed: bool  # the rating + tip message also after closes the customer did not confirm
    cors_origins: list[str]  # origins whose pages may call the JSON intake from a browser


class CompanyOut(TypedDict):
    company_id: str
    name: str
    timezone: str
    currency: str
    intake_key: str
    created_at: str | None
    inbound_address: NotRequired[str]  # customers write here (e-mail in)
    settings: NotRequired[SettingsOut]  # managers only


def view(company: Company, *, include_settings: bool = True) -> CompanyOut:
    data: CompanyOut = {
        "company_id": company.company_id,
        "name": company.name,
        "timezone": company.timezone,
        "currency": company.currency,
        "intake_key": company.intake_key,
        "created_at": iso(company.created_at),
    }
    if company.inbound_handle:  # customers write here (managers forward their own support address to it)
        from chalicelib.mail.threading import inbound_address

        data["inbound_address"] = inbound_address(company.inbound_handle)
    if include_settings:
        data["settings"] = settings_view(company)
    return data


def settings_view(company: Company) -> SettingsOut:
    s = company.settings
    hours = plain_map(s.business_hours)
    return {
        "sla_target_minutes": int(s.sla_target_minutes),
        "sla_limit_minutes": int(s.sla_limit_minutes),
        "auto_close_days": int(s.auto_close_days),
        "link_ttl_days": int(s.link_ttl_days),
        "karma_half_life_days": int(s.karma_half_life_days),
        "karma_literate_min": float(s.karma_literate_min),
        "karma_literate_min_ratings": int(s.karma_literate_min_ratings),
        "karma_difficult_max": float(s.karma_difficult_max),
        "karma_calm_min": float(s.karma_calm_min),
        "karma_temperament_min_ratings": int(s.karma_temperament_min_ratings),
        "business_hours": {day: list(hours.get(day) or []) for day in business_hours.WEEKDAYS} if hours else None,
        "holidays": list(s.holidays or []),
        "tip_amounts": tip_amounts_view(company),
        "locale": s.locale,
        "rating_mail_for_unconfirmed": bool(s.rating_mail_for_unconfirmed),
        "cors_origins": list(s.cors_origins or []),
    }


def tip_amounts_view(company: Company) -> dict[str, list[int]]:
    stored = plain_map(company.settings.tip_amounts)
    view = {currency: [int(a) for a in offered] for currency, offered in stored.items()}
    view[company.currency] = list(tip_amounts.for_currency(stored, company.currency))
    return dict(sorted(view.items()))


def calendar(company: Company) -> business_hours.Calendar:
    """When the company's desk is open (its time zone, hours and holidays)."""
    s = company.settings
    return business_hours.Calendar.of(company.timezone, plain_map(s.business_hours) or None, s.holidays or ())
