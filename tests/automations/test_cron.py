"""The cron helpers (portal/automations/cron.py): words, next runs across daylight-saving
changes, impossible dates, the 60-minute rule, and the visual builder's mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.automations import cron
from portal.automations.cron import Builder

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
JAN = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


# --- words ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("0 9 * * 1-5", "At 09:00 on weekdays"),
        ("0 9 * * MON-FRI", "At 09:00 on weekdays"),
        ("30 8 * * *", "At 08:30 every day"),
        ("0 */2 * * *", "At minute 0 past every second hour"),
        ("0 9 1 * *", "At 09:00 on the first day of every month"),
        ("0 17 * * 5", "At 17:00 on Friday"),
        ("0 10 * * 0,6", "At 10:00 on Sunday and Saturday"),
        ("@daily", "At 00:00 every day"),
    ],
)
def test_expressions_in_plain_english(expression, words):
    assert cron.describe(expression) == words


def test_relative_and_local_words():
    now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    assert cron.relative(now + timedelta(hours=3, minutes=12), now) == "in 3 h 12 min"
    assert cron.relative(now + timedelta(minutes=45), now) == "in 45 min"
    assert cron.relative(now + timedelta(days=2, hours=4, minutes=5), now) == "in 2 days 4 h"
    assert cron.relative(now - timedelta(minutes=5), now) == "5 min ago"
    assert cron.relative(now, now) == "now"
    local = datetime(2026, 3, 9, 9, 0, tzinfo=NEW_YORK)
    assert cron.local_words(local) == "Mon 9 Mar 2026, 09:00 EDT"


# --- next runs across daylight-saving changes --------------------------------------------------
def test_next_runs_keep_local_time_across_the_new_york_spring_change():
    start = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
    runs = cron.next_runs("0 9 * * *", NEW_YORK, count=4, after=start)
    assert [(r.day, r.hour, r.minute) for r in runs] == [
        (7, 9, 0),
        (8, 9, 0),
        (9, 9, 0),
        (10, 9, 0),
    ]
    assert [r.astimezone(UTC).hour for r in runs] == [14, 13, 13, 13]  # EST, then EDT


def test_a_run_in_new_yorks_skipped_hour_moves_to_after_the_change():
    start = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    runs = cron.next_runs("30 2 * * *", NEW_YORK, count=3, after=start)
    assert [r.isoformat() for r in runs] == [
        "2026-03-08T03:00:00-04:00",  # 02:30 doesn't exist that day
        "2026-03-09T02:30:00-04:00",
        "2026-03-10T02:30:00-04:00",
    ]
    notes = cron.dst_notes("30 2 * * *", NEW_YORK, after=JAN)
    assert notes == [
        "On Sun 8 Mar 2026 the clocks in America/New_York go forward from 02:00 to 03:00, so "
        "02:30 doesn’t exist that day: it runs at 03:00 EDT instead."
    ]


def test_a_fixed_time_in_new_yorks_repeated_hour_runs_once():
    start = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
    runs = cron.next_runs("30 1 * * *", NEW_YORK, count=2, after=start)
    assert [r.isoformat() for r in runs] == [
        "2026-11-01T01:30:00-04:00",
        "2026-11-02T01:30:00-05:00",
    ]
    (note,) = cron.dst_notes("30 1 * * *", NEW_YORK, after=JAN)
    assert note.startswith("On Sun 1 Nov 2026 the clocks in America/New_York go back from 02:00")
    assert "01:30 happens twice that day: it runs once" in note


def test_an_hourly_schedule_runs_twice_in_the_repeated_hour_and_skips_the_missing_one():
    runs = cron.next_runs(
        "30 * * * *", NEW_YORK, count=4, after=datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    )
    assert [r.isoformat() for r in runs] == [
        "2026-11-01T00:30:00-04:00",
        "2026-11-01T01:30:00-04:00",
        "2026-11-01T01:30:00-05:00",
        "2026-11-01T02:30:00-05:00",
    ]
    spring, autumn = cron.dst_notes("30 * * * *", NEW_YORK, after=JAN)
    assert "02:30 doesn’t exist that day: that run is skipped" in spring
    assert "01:30 happens twice that day: it runs twice" in autumn


def test_london_changes_at_one_in_the_morning():
    start = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    runs = cron.next_runs("30 1 * * *", LONDON, count=2, after=start)
    assert [r.isoformat() for r in runs] == [
        "2026-03-29T02:00:00+01:00",
        "2026-03-30T01:30:00+01:00",
    ]
    spring, autumn = cron.dst_notes("30 1 * * *", LONDON, after=JAN)
    assert spring.startswith(
        "On Sun 29 Mar 2026 the clocks in Europe/London go forward from 01:00 to 02:00"
    )
    assert "it runs at 02:00 BST instead" in spring
    assert autumn.startswith(
        "On Sun 25 Oct 2026 the clocks in Europe/London go back from 02:00 to 01:00"
    )
    autumn_runs = cron.next_runs(
        "30 1 * * *", LONDON, count=2, after=datetime(2026, 10, 24, 12, tzinfo=UTC)
    )
    assert [r.isoformat() for r in autumn_runs] == [
        "2026-10-25T01:30:00+01:00",
        "2026-10-26T01:30:00+00:00",
    ]


def test_schedules_away_from_the_changes_have_no_notes():
    assert cron.dst_notes("0 9 * * 1-5", NEW_YORK, after=JAN) == []
    assert cron.dst_notes("0 9 * * *", ZoneInfo("UTC"), after=JAN) == []


def test_check_gives_runs_in_both_zones_with_relative_times():
    schedule = cron.check("0 9 * * 1-5", "America/New_York", viewer_zone="Europe/London", now=JAN)
    assert schedule.ok and schedule.description == "At 09:00 on weekdays"
    assert len(schedule.runs) == 5
    first = schedule.runs[0]
    assert cron.local_words(first.at) == "Thu 15 Jan 2026, 09:00 EST"
    assert cron.local_words(first.viewer) == "Thu 15 Jan 2026, 14:00 GMT"
    assert first.relative == "in 2 h"
    assert 259 <= schedule.runs_per_year <= 262
    assert round(schedule.runs_per_month, 1) == round(schedule.runs_per_year / 12, 1)
    assert schedule.cost_per_month(15, "0.008") == pytest.approx(schedule.runs_per_month * 0.12)


# --- errors that name the field ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("expression", "field"),
    [
        ("61 * * * *", "minute"),
        ("0 25 * * *", "hour"),
        ("0 0 0 * *", "day of month"),
        ("0 0 * 13 *", "month"),
        ("0 0 * * 8", "day of week"),
        ("*/0 * * * *", "minute"),
        ("0 0 * * 1-", "day of week"),
    ],
)
def test_a_bad_field_is_named(expression, field):
    schedule = cron.check(expression, "UTC", now=JAN)
    assert not schedule.ok and schedule.error_field == field
    assert f"The {field} field" in schedule.error


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("0 0 31 2 *", "February never has a day 31"),
        ("0 0 30 2 *", "February never has a day 30"),
        ("0 0 31 2,4 *", "February or April never have a day 31"),
    ],
)
def test_impossible_dates_are_refused(expression, words):
    schedule = cron.check(expression, "UTC", now=JAN)
    assert schedule.error_field == "day of month"
    assert words in schedule.error and "would never run" in schedule.error


def test_a_date_that_exists_only_in_leap_years_is_fine():
    schedule = cron.check("0 0 29 2 *", "UTC", now=JAN)
    assert schedule.ok
    assert schedule.runs[0].at.date().isoformat() == "2028-02-29"


@pytest.mark.parametrize(
    ("expression", "words"),
    [("", "Enter a cron expression"), ("a b", "this one has 2"),
     ("0 0 * * * *", "this one has 6"), ("@every", "not a schedule shortcut")],
)  # fmt: skip
def test_the_shape_is_checked(expression, words):
    schedule = cron.check(expression, "UTC", now=JAN)
    assert not schedule.ok and words in schedule.error


def test_an_unknown_time_zone_names_the_zone_field():
    schedule = cron.check("0 9 * * *", "Mars/Base", now=JAN)
    assert schedule.error_field == "timezone" and "Mars/Base" in schedule.error
    assert cron.check("0 9 * * *", "", now=JAN).error_field == "timezone"
    assert "America/New_York" in cron.zone_names() and cron.zone_names()[0] == "UTC"


# --- the 60-minute rule -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expression", "gap"),
    [("*/5 * * * *", "5 min"), ("* * * * *", "1 min"), ("0,30 9 * * *", "30 min"),
     ("0,59 0,23 * * *", "1 min"), ("*/30 9-17 * * 1-5", "30 min")],
)  # fmt: skip
def test_schedules_more_often_than_hourly_are_refused(expression, gap):
    schedule = cron.check(expression, "UTC", now=JAN)
    assert schedule.error is None and not schedule.ok
    assert "at most once every 60 minutes" in schedule.too_frequent
    assert f"runs {gap} apart" in schedule.too_frequent
    assert schedule.runs  # still previewed, so the user sees why
    assert schedule.runs_per_year == 0  # not counted


@pytest.mark.parametrize(
    "expression",
    ["0 * * * *", "@hourly", "0 */2 * * *", "0 0,23 * * *", "59 23 * * *", "0 0,23 * * 1",
     "0 9 * * 1-5"],
)  # fmt: skip
def test_hourly_or_rarer_schedules_pass(expression):
    assert cron.check(expression, "UTC", now=JAN).ok


def test_runs_are_counted_for_the_cost():
    assert cron.runs_within("0 * * * *", ZoneInfo("UTC"), after=JAN) == 365 * 24
    assert cron.runs_within("0 0 1 1 *", ZoneInfo("UTC"), after=JAN) == 1


# --- the visual builder -----------------------------------------------------------------------
BUILDERS = [
    (Builder(mode=cron.MINUTES, every=5), "*/5 * * * *"),
    (Builder(mode=cron.MINUTES, every=1), "* * * * *"),
    (Builder(mode=cron.HOURS, every=1, minute=15), "15 * * * *"),
    (Builder(mode=cron.HOURS, every=2, minute=0), "0 */2 * * *"),
    (Builder(mode=cron.DAILY, minute=30, hour=8), "30 8 * * *"),
    (Builder(mode=cron.WEEKLY, minute=0, hour=9, weekdays=(1, 2, 3, 4, 5)), "0 9 * * 1-5"),
    (Builder(mode=cron.WEEKLY, minute=0, hour=9, weekdays=(1, 3, 5)), "0 9 * * 1,3,5"),
    (Builder(mode=cron.WEEKLY, minute=0, hour=10, weekdays=(0, 6)), "0 10 * * 0,6"),
    (Builder(mode=cron.WEEKLY, minute=0, hour=0, weekdays=tuple(range(7))), "0 0 * * 0-6"),
    (Builder(mode=cron.MONTHLY, minute=45, hour=23, day=31), "45 23 31 * *"),
    (Builder(mode=cron.MONTHLY, minute=0, hour=9, day=1), "0 9 1 * *"),
]


@pytest.mark.parametrize(("builder", "expression"), BUILDERS, ids=[e for _, e in BUILDERS])
def test_every_builder_mode_round_trips(builder, expression):
    assert builder.to_expression() == expression
    assert Builder.from_expression(expression) == builder
    assert Builder.from_expression(expression).to_expression() == expression


def test_every_mode_is_covered_by_the_round_trips():
    assert {b.mode for b, _ in BUILDERS} == {mode for mode, _ in cron.MODES}


@pytest.mark.parametrize(
    ("expression", "builder"),
    [("0 9 * * MON-FRI", Builder(mode=cron.WEEKLY, weekdays=(1, 2, 3, 4, 5))),
     ("0 9 * * 7", Builder(mode=cron.WEEKLY, weekdays=(0,))),
     ("0 9 * * 5-7", Builder(mode=cron.WEEKLY, weekdays=(0, 5, 6))),
     ("*/1 * * * *", Builder(mode=cron.MINUTES, every=1)),
     ("@hourly", Builder(mode=cron.HOURS, every=1, minute=0)),
     ("@daily", Builder(mode=cron.DAILY, hour=0, minute=0)),
     ("@weekly", Builder(mode=cron.WEEKLY, hour=0, minute=0, weekdays=(0,))),
     ("@monthly", Builder(mode=cron.MONTHLY, hour=0, minute=0, day=1))],
)  # fmt: skip
def test_other_spellings_are_read_by_the_builder(expression, builder):
    assert Builder.from_expression(expression) == builder


@pytest.mark.parametrize(
    "expression",
    ["0 9 * 1 *", "*/15 9-17 * * 1-5", "0 9 L * *", "0 9 1 * 1", "0 9 * * 1#2", "0 0 1 1 *",
     "5,35 * * * *", "0 9-17 * * *", "0 */5 * * 1", "*/5 9 * * *", "60 9 * * *", "0 9 * * */2",
     "@yearly", "nonsense"],
)  # fmt: skip
def test_what_the_builder_cannot_show_is_custom(expression):
    assert Builder.from_expression(expression) is None


def test_the_builder_refuses_what_it_cannot_write():
    for builder in (Builder(mode=cron.WEEKLY, weekdays=()), Builder(mode=cron.MINUTES, every=60),
                    Builder(mode=cron.DAILY, hour=24), Builder(mode=cron.MONTHLY, day=32)):  # fmt: skip
        with pytest.raises(ValueError):
            builder.to_expression()


def test_weekday_fields():
    assert cron.weekday_field((1, 2, 3, 4, 5)) == "1-5"
    assert cron.weekday_field((0, 6)) == "0,6"
    assert cron.weekday_field((1, 2, 4, 5, 6)) == "1,2,4-6"
    assert cron.parse_weekdays("SUN,SAT") == (0, 6)
    assert cron.parse_weekdays("1-5/2") is None
