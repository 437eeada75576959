"""Business-hours arithmetic (chalicelib/tickets/business_hours.py): due times skip closed hours, weekends and
holidays in the company's time zone, across daylight-saving changes both ways."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.tickets.business_hours import Calendar, Hours, check_day, parse_interval

VILNIUS = ZoneInfo("Europe/Vilnius")
NEW_YORK = ZoneInfo("America/New_York")
WORKWEEK = {day: ["09:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


def local(zone: ZoneInfo, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def in_vilnius(moment: datetime) -> str:
    return moment.astimezone(VILNIUS).strftime("%a %Y-%m-%d %H:%M %Z")


office = Calendar.of("Europe/Vilnius", WORKWEEK)


def test_without_a_schedule_the_desk_is_always_open_and_due_times_are_plain_sums() -> None:
    opened = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)  # a Saturday night
    assert Calendar("Europe/Vilnius").add(opened, 120) == opened + timedelta(hours=2)
    assert Calendar("Europe/Vilnius").open_time(opened, opened + timedelta(days=3)) == timedelta(days=3)


def test_a_ticket_opened_during_open_hours_is_due_the_same_day() -> None:
    due = office.add(local(VILNIUS, "2026-11-30 10:00"), 120)
    assert in_vilnius(due) == "Mon 2026-11-30 12:00 EET"


def test_a_ticket_opened_after_closing_time_is_due_on_the_next_working_morning() -> None:
    assert in_vilnius(office.add(local(VILNIUS, "2026-11-30 19:30"), 120)) == "Tue 2026-12-01 11:00 EET"
    # the half hour left before closing counts, the rest runs on the next morning
    assert in_vilnius(office.add(local(VILNIUS, "2026-11-30 17:30"), 120)) == "Tue 2026-12-01 10:30 EET"


def test_a_ticket_opened_before_opening_time_starts_counting_at_opening() -> None:
    assert in_vilnius(office.add(local(VILNIUS, "2026-12-01 06:10"), 30)) == "Tue 2026-12-01 09:30 EET"
    assert in_vilnius(office.add(local(VILNIUS, "2026-12-01 06:10"), 0)) == "Tue 2026-12-01 09:00 EET"


def test_weekends_are_skipped() -> None:
    assert in_vilnius(office.add(local(VILNIUS, "2026-12-04 17:00"), 120)) == "Mon 2026-12-07 10:00 EET"
    assert in_vilnius(office.add(local(VILNIUS, "2026-12-05 12:00"), 60)) == "Mon 2026-12-07 10:00 EET"


def test_holidays_are_skipped_like_weekends() -> None:
    christmas = Calendar.of("Europe/Vilnius", WORKWEEK, ["2026-12-24", "2026-12-25"])
    assert in_vilnius(christmas.add(local(VILNIUS, "2026-12-23 17:30"), 60)) == "Mon 2026-12-28 09:30 EET"
    assert christmas.is_open(local(VILNIUS, "2026-12-23 10:00"))
    assert not christmas.is_open(local(VILNIUS, "2026-12-24 10:00"))


def test_holidays_close_whole_days_even_of_a_desk_open_around_the_clock() -> None:
    closed_on_new_year = Calendar.of("Europe/Vilnius", None, ["2027-01-01"])
    due = closed_on_new_year.add(local(VILNIUS, "2026-12-31 23:00"), 120)
    assert in_vilnius(due) == "Sat 2027-01-02 01:00 EET"


def test_a_limit_of_several_working_days_spans_nights_and_a_weekend() -> None:
    opened = local(VILNIUS, "2026-12-03 16:00")  # Thursday
    # 24 working hours at 9 hours a day: 2 h on Thursday, 9 on Friday, 9 on Monday, 4 on Tuesday
    assert in_vilnius(office.add(opened, 24 * 60)) == "Tue 2026-12-08 13:00 EET"
    assert office.open_time(opened, office.add(opened, 24 * 60)) == timedelta(hours=24)


def test_a_lunch_break_is_closed_time() -> None:
    lunch = Calendar.of("Europe/Vilnius", {"mon": ["09:00-13:00", "14:00-18:00"]})
    assert in_vilnius(lunch.add(local(VILNIUS, "2026-11-30 12:30"), 60)) == "Mon 2026-11-30 14:30 EET"
    assert lunch.open_time(local(VILNIUS, "2026-11-30 12:00"), local(VILNIUS, "2026-11-30 15:00")) == timedelta(hours=2)


def test_office_hours_stay_on_the_wall_clock_when_daylight_saving_starts() -> None:
    friday = local(VILNIUS, "2026-03-27 17:00")  # EET; the clocks go forward on Sunday 29 March
    due = office.add(friday, 120)
    assert in_vilnius(due) == "Mon 2026-03-30 10:00 EEST"
    assert due.astimezone(UTC).hour == 7  # 10:00 at UTC+3, where Friday's 17:00 was UTC+2


def test_office_hours_stay_on_the_wall_clock_when_daylight_saving_ends() -> None:
    friday = local(VILNIUS, "2026-10-23 17:00")  # EEST; the clocks go back on Sunday 25 October
    due = office.add(friday, 120)
    assert in_vilnius(due) == "Mon 2026-10-26 10:00 EET"
    assert due.astimezone(UTC).hour == 8


def test_an_all_day_schedule_counts_23_and_25_hour_days_on_the_change_days() -> None:
    every_day = Calendar.of("Europe/Vilnius", {day: ["00:00-24:00"] for day in ("sat", "sun", "mon")})
    spring = every_day.open_time(local(VILNIUS, "2026-03-29 00:00"), local(VILNIUS, "2026-03-30 00:00"))
    autumn = every_day.open_time(local(VILNIUS, "2026-10-25 00:00"), local(VILNIUS, "2026-10-26 00:00"))
    assert (spring, autumn) == (timedelta(hours=23), timedelta(hours=25))
    saturday_noon = local(VILNIUS, "2026-03-28 12:00")
    assert every_day.add(saturday_noon, 24 * 60) == saturday_noon.astimezone(UTC) + timedelta(hours=24)


def test_an_interval_containing_the_skipped_hour_is_as_long_as_the_clock_says() -> None:
    night = Calendar.of("Europe/Vilnius", {"sun": ["02:00-05:00"]})
    opened = local(VILNIUS, "2026-03-29 01:00")
    assert night.open_time(opened, local(VILNIUS, "2026-03-29 06:00")) == timedelta(hours=2)
    assert in_vilnius(night.add(opened, 120)) == "Sun 2026-03-29 05:00 EEST"


def test_another_time_zone_changes_on_its_own_date() -> None:
    new_york = Calendar.of("America/New_York", WORKWEEK)
    due = new_york.add(local(NEW_YORK, "2026-03-06 17:30"), 60)  # DST starts Sunday 8 March there
    assert due == local(NEW_YORK, "2026-03-09 09:30").astimezone(UTC)
    assert due.astimezone(UTC).hour == 13  # EDT, UTC-4


def test_open_time_counts_only_open_hours() -> None:
    assert office.open_time(local(VILNIUS, "2026-12-04 17:00"), local(VILNIUS, "2026-12-07 10:00")) == timedelta(
        hours=2
    )
    assert office.open_time(local(VILNIUS, "2026-12-05 10:00"), local(VILNIUS, "2026-12-05 11:00")) == timedelta(0)
    assert office.open_time(local(VILNIUS, "2026-12-07 11:00"), local(VILNIUS, "2026-12-07 10:00")) == timedelta(0)


@pytest.mark.parametrize("seed", range(5))
def test_the_open_time_up_to_a_due_time_is_the_minutes_asked_for(seed: int) -> None:
    draw = random.Random(seed)
    calendar = Calendar.of(
        "Europe/Vilnius", {"mon": ["08:00-12:00", "13:00-17:00"], "wed": ["10:00-24:00"], "sat": ["00:00-03:30"]}
    )
    for _ in range(50):
        start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=draw.randrange(365 * 24 * 60))
        minutes = draw.randrange(0, 5000)
        due = calendar.add(start, minutes)
        assert calendar.open_time(start, due) == timedelta(minutes=minutes)
        assert due >= start


def test_intervals_are_read_and_refused_as_people_write_them() -> None:
    assert parse_interval("09:00-18:00") == Hours(540, 1080)
    assert parse_interval("00:00-24:00") == Hours(0, 1440)
    for bad in ("18:00-09:00", "09:00-09:00", "9-18", "25:00-26:00", "09:00-24:30", ""):
        with pytest.raises(ValueError):
            parse_interval(bad)
    with pytest.raises(ValueError, match="overlap"):
        check_day([Hours(540, 780), Hours(720, 1080)])
    assert check_day([Hours(840, 1080), Hours(540, 780)]) == (Hours(540, 780), Hours(840, 1080))


def test_a_schedule_without_open_hours_is_refused() -> None:
    with pytest.raises(ValueError, match="open hours"):
        Calendar.of("Europe/Vilnius", {"mon": []})
    assert Calendar.of("Europe/Vilnius", WORKWEEK).as_settings() == {
        **{day: ["09:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
        "sat": [],
        "sun": [],
    }


def test_a_travelling_clock_shows_its_time_in_its_own_thread_only() -> None:
    import threading

    from chalicelib.clock import travelling, utcnow

    start = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)
    seen: list[datetime] = []
    with travelling(start) as travel:
        assert utcnow() == start
        travel.advance(timedelta(hours=2))
        assert utcnow() == start + timedelta(hours=2)
        travel.now = datetime(2020, 1, 6, 14, 0, tzinfo=ZoneInfo("Europe/Vilnius"))  # a zoned time reads as UTC
        assert utcnow().tzinfo is UTC and utcnow() == datetime(2020, 1, 6, 12, 0, tzinfo=UTC)
        other = threading.Thread(target=lambda: seen.append(utcnow()))
        other.start()
        other.join()
    real = datetime.now(UTC)
    assert abs(seen[0] - real) < timedelta(seconds=5) and abs(utcnow() - real) < timedelta(seconds=5)
