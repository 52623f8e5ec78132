"""Cron schedules for automations: checked, described, previewed and built, without Django.

    schedule = check("0 9 * * 1-5", "America/New_York", viewer_zone="Europe/London")
    schedule.ok, schedule.error, schedule.error_field, schedule.too_frequent
    schedule.description          # "At 09:00 on weekdays"
    schedule.runs                 # the next 5: each in the automation's zone and the viewer's
    schedule.dst_notes            # runs a daylight-saving change moves, skips or repeats
    schedule.runs_per_year        # for the cost estimate

The same `check()` serves the builder's preview (as you type) and the form's save, so the two
can't disagree. cronsim does the parsing and the arithmetic; it follows Debian cron's rules,
which is what decides what happens around daylight-saving changes (a job at a fixed time that
falls in the skipped hour runs when the clocks have gone forward; at a fixed time in the
repeated hour it runs once; jobs with a wildcard hour run by the real clock).

`Builder` is the visual builder's model: every N minutes, every N hours at minute M, daily,
on chosen weekdays, monthly on day D. `Builder.from_expression()` is None for an expression
the builder can't show ("custom"); `to_expression()` is the canonical text for a builder.
static/js/automations.js mirrors both directions for the page as you click.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from cronsim import CronSim, CronSimError
from cronsim.cronsim import Field

# The vendor's automation docs: cron schedules may not fire more often than every 60 minutes.
MIN_INTERVAL = timedelta(minutes=60)
RULE = (
    "Automations may run at most once every 60 minutes (the Replicas automation rule), and "
    "this schedule runs {gap} apart{where}. Choose a less frequent schedule."
)
NEXT_RUNS = 5
HORIZON_DAYS = 365  # runs are counted (for the cost) and DST changes looked for this far ahead
COUNT_CAP = 10_000  # never iterate more than this (a refused schedule isn't counted at all)

FIELDS = ("minute", "hour", "day of month", "month", "day of week")
_CRONSIM_FIELDS = (Field.MINUTE, Field.HOUR, Field.DAY, Field.MONTH, Field.DOW)
RANGES = (
    "0–59",
    "0–23",
    "1–31",
    "1–12 or JAN–DEC",
    "0–7 (0 and 7 are Sunday) or SUN–SAT",
)
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MONTHS = tuple(calendar.month_name)  # "", "January", ...


class CronError(ValueError):
    """A schedule that can't be used: `field` names the part at fault ("hour", "timezone",
    or None for the whole expression)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# --- zones ------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name tzdata knows, sorted (for the picker), UTC first."""
    names = sorted(n for n in available_timezones() if "/" in n or n == "UTC")
    return ("UTC", *[n for n in names if n != "UTC"])


def zone(name: str | None) -> ZoneInfo:
    """The zone for an IANA name, or CronError naming the time zone field."""
    cleaned = (name or "").strip()
    if not cleaned:
        raise CronError("Choose a time zone (an IANA name like Europe/Paris).", "timezone")
    if cleaned not in available_timezones():
        raise CronError(
            f"“{cleaned}” is not a time zone the portal knows: choose an IANA name like "
            "America/New_York or Europe/London.",
            "timezone",
        )
    try:
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - listed but unloadable
        raise CronError(f"The time zone “{cleaned}” can't be loaded.", "timezone") from None


def zone_or(name: str | None, fallback: str = "UTC") -> ZoneInfo:
    """A zone from untrusted input (a cookie), or the fallback."""
    try:
        return zone(name)
    except CronError:
        return ZoneInfo(fallback)


# --- parsing and validation -------------------------------------------------------------------


def expand(expression: str) -> str:
    """The 5-field form of an expression: macros expanded, whitespace collapsed."""
    text = " ".join((expression or "").split())
    return MACROS.get(text.lower(), text)


def _field_values(index: int, text: str) -> set:
    return _CRONSIM_FIELDS[index].parse(text.upper())


def validate(expression: str) -> str:
    """The expanded expression, or CronError saying which field is wrong and why."""
    if not (expression or "").strip():
        raise CronError("Enter a cron expression, or build one with the visual builder.")
    text = expand(expression)
    if text.startswith("@"):
        raise CronError(
            f"“{text}” is not a schedule shortcut cron knows: use one of "
            f"{', '.join(sorted(set(MACROS)))}, or five fields."
        )
    parts = text.split()
    if len(parts) != 5:
        raise CronError(
            "A cron expression has 5 fields: minute, hour, day of month, month and day of "
            f"week; this one has {len(parts)}."
        )
    for index, part in enumerate(parts):
        try:
            _field_values(index, part)
        except (CronSimError, ValueError, IndexError):
            raise CronError(
                f"The {FIELDS[index]} field (“{part}”) is not valid: use {RANGES[index]}, "
                "*, lists (1,2), ranges (1-5) or steps (*/2).",
                FIELDS[index],
            ) from None
    try:
        CronSim(text, datetime(2000, 1, 1))
    except CronSimError:
        raise CronError(_impossible_date(parts), "day of month") from None
    return text


def _impossible_date(parts: list[str]) -> str:
    days = sorted(d for d in _field_values(2, parts[2]) if isinstance(d, int))
    months = sorted(m for m in _field_values(3, parts[3]) if isinstance(m, int))
    day = days[0] if days else parts[2]
    names = [MONTHS[m] for m in months]
    month_words = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    return (
        f"Impossible date: {month_words} never {'has' if len(names) == 1 else 'have'} a "
        f"day {day}, so this schedule would never run. Check the day of month and month fields."
    )


def min_gap(expression: str) -> tuple[timedelta, str] | None:
    """The shortest time between two runs, and where it occurs in words, or None when it
    runs at most once a day. The day's times are minute × hour; the gap across midnight
    counts only if two consecutive days can both match."""
    sim = CronSim(expression, datetime(2000, 1, 1))
    times = sorted(h * 60 + m for h in sim.hours for m in sim.minutes)
    best: tuple[int, str] | None = None
    for a, b in zip(times, times[1:], strict=False):
        if best is None or b - a < best[0]:
            best = (b - a, f" (at {_hhmm(a)} and {_hhmm(b)})")
    wrap = 1440 - times[-1] + times[0]
    if (best is None or wrap < best[0]) and wrap < 1440 and _consecutive_days(sim):
        best = (wrap, f" (at {_hhmm(times[-1])} and {_hhmm(times[0])} the next day)")
    if best is None:
        return None
    return timedelta(minutes=best[0]), best[1]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _consecutive_days(sim: CronSim) -> bool:
    """Can two consecutive days both run? (Four years cover every weekday/leap pattern.)"""
    day = date(2001, 1, 1)
    previous = False
    for _ in range(4 * 366):
        matches = day.month in sim.months and sim.match_day(day)
        if matches and previous:
            return True
        previous = matches
        day += timedelta(days=1)
    return False


def frequency_problem(expression: str) -> str | None:
    """The 60-minute rule's refusal for a valid expression, or None."""
    gap = min_gap(expression)
    if gap is None or gap[0] >= MIN_INTERVAL:
        return None
    return RULE.format(gap=duration(gap[0]), where=gap[1])


# --- words ------------------------------------------------------------------------------------


def describe(expression: str) -> str:
    """The expression in plain English ("At 09:00 on weekdays")."""
    text = validate(expression)
    words = CronSim(text, datetime(2000, 1, 1)).explain()
    words = words.replace("on Monday through Friday", "on weekdays")
    words = words.replace("on Saturday and Sunday", "at weekends")
    return words


def duration(delta: timedelta) -> str:
    """A span in short words: "5 min", "2 h", "1 h 30 min", "3 days 4 h"."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} h")
    if mins and not days:
        parts.append(f"{mins} min")
    return " ".join(parts) or "less than a minute"


def relative(when: datetime, now: datetime) -> str:
    """ "in 3 h 12 min" / "5 min ago" / "now"."""
    delta = when - now
    if abs(delta) < timedelta(minutes=1):
        return "now" if delta >= timedelta(0) else "just now"
    if delta > timedelta(0):
        return f"in {duration(delta)}"
    return f"{duration(-delta)} ago"


def local_words(when: datetime) -> str:
    """ "Mon 9 Mar 2026, 09:00 EDT" (in the datetime's own zone)."""
    return f"{when:%a} {when.day} {when:%b %Y, %H:%M} {when.tzname()}"


# --- next runs, counts, daylight saving ------------------------------------------------------


def next_runs(
    expression: str, tz: ZoneInfo, *, count: int = NEXT_RUNS, after: datetime | None = None
) -> list[datetime]:
    """The next `count` runs, as aware datetimes in `tz`."""
    start = (after or datetime.now(UTC)).astimezone(tz)
    sim = CronSim(expand(expression), start)
    out: list[datetime] = []
    for when in sim:
        out.append(when)
        if len(out) >= count:
            break
    return out


def runs_within(
    expression: str, tz: ZoneInfo, *, days: int = HORIZON_DAYS, after: datetime | None = None
) -> int:
    """How many runs fall in the next `days` days (at most COUNT_CAP)."""
    start = (after or datetime.now(UTC)).astimezone(tz)
    end = start + timedelta(days=days)
    count = 0
    for when in CronSim(expand(expression), start):
        if when > end or count >= COUNT_CAP:
            break
        count += 1
    return count


@dataclass(frozen=True)
class Transition:
    at: datetime  # the instant (UTC)
    before: timedelta  # UTC offset before
    after: timedelta  # UTC offset after

    @property
    def gap(self) -> bool:
        return self.after > self.before  # clocks go forward: an hour is skipped


def transitions(tz: ZoneInfo, start: datetime, days: int = HORIZON_DAYS) -> list[Transition]:
    """The zone's UTC-offset changes in the next `days` days."""

    def offset(instant: datetime) -> timedelta:
        return instant.astimezone(tz).utcoffset() or timedelta(0)

    found: list[Transition] = []
    t = start.astimezone(UTC)
    previous = offset(t)
    for _ in range(days + 1):
        nxt = t + timedelta(days=1)
        current = offset(nxt)
        if current != previous:
            lo, hi = t, nxt
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if offset(mid) == previous:
                    lo = mid
                else:
                    hi = mid
            found.append(Transition(hi.replace(microsecond=0), previous, current))
        t, previous = nxt, current
    return found


def _naive_runs(expression: str, start: datetime, end: datetime) -> list[datetime]:
    out = []
    for when in CronSim(expression, start - timedelta(seconds=1)):
        if when >= end or len(out) > 240:
            break
        out.append(when)
    return out


def dst_notes(
    expression: str, tz: ZoneInfo, *, after: datetime | None = None, days: int = HORIZON_DAYS
) -> list[str]:
    """What a daylight-saving change does to this schedule in the next `days` days: a run in
    a skipped hour moves or is skipped; a run in a repeated hour happens once or twice."""
    text = expand(expression)
    start = after or datetime.now(UTC)
    notes: list[str] = []
    for change in transitions(tz, start, days):
        shift = abs(change.after - change.before)
        if change.gap:
            wall_start = (change.at + change.before).replace(tzinfo=None)
        else:
            wall_start = (change.at + change.after).replace(tzinfo=None)
        wall_end = wall_start + shift
        affected = _naive_runs(text, wall_start, wall_end)
        if not affected:
            continue
        actual = []
        for when in CronSim(text, (change.at - timedelta(hours=4)).astimezone(tz)):
            if when.astimezone(UTC) > change.at + shift + timedelta(hours=4):
                break
            actual.append(when)
        day = f"{wall_start:%a} {wall_start.day} {wall_start:%b %Y}"
        first = _hhmm(wall_start.hour * 60 + wall_start.minute)
        last = _hhmm(wall_end.hour * 60 + wall_end.minute)
        times = ", ".join(f"{w:%H:%M}" for w in affected[:4]) + ("…" if len(affected) > 4 else "")
        if change.gap:
            # A run that moved: at a wall-clock time the expression doesn't name that day.
            moved = [
                w
                for w in actual
                if change.at <= w.astimezone(UTC) < change.at + shift + timedelta(hours=1)
                and w.replace(tzinfo=None) not in _naive_set(text, w)
            ]
            outcome = (
                f"it runs at {moved[0]:%H:%M} {moved[0].tzname()} instead"
                if moved
                else "that run is skipped"
            )
            notes.append(
                f"On {day} the clocks in {tz.key} go forward from {first} to {last}, so "
                f"{times} {'doesn’t' if len(affected) == 1 else 'don’t'} exist that day: {outcome}."
            )
        else:
            counts = {
                w: sum(1 for a in actual if a.replace(tzinfo=None) == w) for w in affected[:4]
            }
            twice = [w for w, n in counts.items() if n >= 2]
            if twice:
                outcome = (
                    f"it runs twice, once before and once after the change ({shift_words(shift)} "
                    "apart)"
                )
            else:
                outcome = "it runs once, at the first of the two (before the clocks go back)"
            notes.append(
                f"On {day} the clocks in {tz.key} go back from {last} to {first}, so {times} "
                f"{'happens' if len(affected) == 1 else 'happen'} twice that day: {outcome}."
            )
    return notes


def _naive_set(expression: str, when: datetime) -> set[datetime]:
    """The wall-clock times the expression names on `when`'s day (naive)."""
    day = datetime(when.year, when.month, when.day)
    return set(_naive_runs(expression, day, day + timedelta(days=1)))


def shift_words(shift: timedelta) -> str:
    return "an hour" if shift == timedelta(hours=1) else duration(shift)


# --- the check the preview and the save share -------------------------------------------------


@dataclass(frozen=True)
class Run:
    at: datetime  # in the automation's zone
    viewer: datetime  # the same instant in the viewer's zone
    relative: str

    @property
    def same_zone(self) -> bool:
        return self.at.utcoffset() == self.viewer.utcoffset() and (
            self.at.tzinfo == self.viewer.tzinfo
        )


@dataclass
class Schedule:
    expression: str  # as typed (stripped)
    timezone: str
    viewer_zone: str
    error: str | None = None
    error_field: str | None = None  # FIELDS' names, "timezone", or None
    too_frequent: str | None = None
    description: str = ""
    runs: list[Run] = field(default_factory=list)
    dst_notes: list[str] = field(default_factory=list)
    runs_per_year: int = 0
    builder: Builder | None = None  # the visual builder's reading (None: custom)

    @property
    def ok(self) -> bool:
        return self.error is None and self.too_frequent is None

    @property
    def problem(self) -> str | None:
        return self.error or self.too_frequent

    @property
    def runs_per_month(self) -> float:
        return self.runs_per_year / 12

    def cost_per_month(self, minutes: int, price_per_minute) -> float:
        return float(self.runs_per_month * minutes * float(price_per_minute))


def check(
    expression: str,
    timezone: str,
    *,
    viewer_zone: str | None = None,
    now: datetime | None = None,
    details: bool = True,
) -> Schedule:
    """Validate a schedule (the expression, its zone, the 60-minute rule) and, when it is
    valid and `details`, describe it: next runs, daylight-saving notes, runs a year."""
    now = now or datetime.now(UTC)
    typed = " ".join((expression or "").split())
    schedule = Schedule(
        expression=typed,
        timezone=(timezone or "").strip(),
        viewer_zone=viewer_zone or "UTC",
    )
    try:
        text = validate(typed)
    except CronError as exc:
        schedule.error, schedule.error_field = exc.message, exc.field
        return schedule
    schedule.builder = Builder.from_expression(typed)
    schedule.description = describe(text)
    try:
        tz = zone(schedule.timezone)
    except CronError as exc:
        schedule.error, schedule.error_field = exc.message, exc.field
        return schedule
    schedule.too_frequent = frequency_problem(text)
    if not details:
        return schedule
    viewer = zone_or(viewer_zone)
    schedule.runs = [
        Run(at=when, viewer=when.astimezone(viewer), relative=relative(when, now))
        for when in next_runs(text, tz, after=now)
    ]
    if schedule.too_frequent is None:
        schedule.runs_per_year = runs_within(text, tz, after=now)
        schedule.dst_notes = dst_notes(text, tz, after=now)
    return schedule


# --- the visual builder ----------------------------------------------------------------------

MINUTES, HOURS, DAILY, WEEKLY, MONTHLY = "minutes", "hours", "daily", "weekly", "monthly"
MODES = (
    (MINUTES, "Every N minutes"),
    (HOURS, "Every N hours"),
    (DAILY, "Every day"),
    (WEEKLY, "On chosen weekdays"),
    (MONTHLY, "Monthly"),
)
PRESETS = (
    ("0 * * * *", "Every hour"),
    ("0 9 * * *", "Every day at 09:00"),
    ("0 9 * * 1-5", "Weekdays at 09:00"),
    ("0 9 * * 1", "Mondays at 09:00"),
    ("0 3 * * *", "Every night at 03:00"),
    ("0 9 1 * *", "The 1st of the month at 09:00"),
)

_NUMBER = re.compile(r"^\d{1,2}$")
_DAY_NAMES = {name[:3].upper(): index for index, name in enumerate(WEEKDAYS)}


@dataclass(frozen=True)
class Builder:
    mode: str = DAILY
    every: int = 1  # N, for every N minutes / hours
    minute: int = 0
    hour: int = 9
    weekdays: tuple[int, ...] = (1, 2, 3, 4, 5)  # 0 = Sunday
    day: int = 1  # day of month

    def to_expression(self) -> str:
        """The canonical expression for this builder (ValueError when it can't be one)."""
        if self.mode == MINUTES:
            _bounded(self.every, 1, 59, "the number of minutes")
            return "* * * * *" if self.every == 1 else f"*/{self.every} * * * *"
        _bounded(self.minute, 0, 59, "the minute")
        if self.mode == HOURS:
            _bounded(self.every, 1, 23, "the number of hours")
            hours = "*" if self.every == 1 else f"*/{self.every}"
            return f"{self.minute} {hours} * * *"
        _bounded(self.hour, 0, 23, "the hour")
        if self.mode == DAILY:
            return f"{self.minute} {self.hour} * * *"
        if self.mode == WEEKLY:
            if not self.weekdays:
                raise ValueError("Choose at least one day of the week.")
            return f"{self.minute} {self.hour} * * {weekday_field(self.weekdays)}"
        if self.mode == MONTHLY:
            _bounded(self.day, 1, 31, "the day of the month")
            return f"{self.minute} {self.hour} {self.day} * *"
        raise ValueError(f"Unknown builder mode {self.mode!r}.")

    @classmethod
    def from_expression(cls, expression: str) -> Builder | None:
        """What the visual builder shows for an expression, or None ("custom")."""
        parts = expand(expression).upper().split()
        if len(parts) != 5:
            return None
        minute, hour, dom, month, dow = parts
        if month != "*":
            return None
        if hour == "*" and dom == "*" and dow == "*":
            every = _step(minute, 59)
            if every is not None:
                return cls(mode=MINUTES, every=every)
        m = _int(minute, 0, 59)
        if m is None:
            return None
        if dom == "*" and dow == "*":
            every = _step(hour, 23)
            if every is not None:
                return cls(mode=HOURS, every=every, minute=m)
        h = _int(hour, 0, 23)
        if h is None:
            return None
        if dom == "*" and dow == "*":
            return cls(mode=DAILY, minute=m, hour=h)
        if dom == "*":
            days = parse_weekdays(dow)
            return None if days is None else cls(mode=WEEKLY, minute=m, hour=h, weekdays=days)
        if dow == "*":
            d = _int(dom, 1, 31)
            return None if d is None else cls(mode=MONTHLY, minute=m, hour=h, day=d)
        return None


def _bounded(value: int, low: int, high: int, what: str) -> None:
    if not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"Choose {what} between {low} and {high}.")


def _int(text: str, low: int, high: int) -> int | None:
    if not _NUMBER.match(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def _step(text: str, high: int) -> int | None:
    """`*` → 1, `*/N` → N (1 ≤ N ≤ high), else None."""
    if text == "*":
        return 1
    if text.startswith("*/"):
        return _int(text[2:], 1, high)
    return None


def parse_weekdays(text: str) -> tuple[int, ...] | None:
    """A day-of-week field of numbers, names, lists and ranges as sorted days (0 = Sunday),
    or None when it uses anything else (steps, L, #)."""
    days: set[int] = set()
    for part in text.upper().split(","):
        bounds = part.split("-")
        if len(bounds) > 2:
            return None
        values = [_weekday(b) for b in bounds]
        if any(v is None for v in values):
            return None
        if len(values) == 1:
            days.add(values[0] % 7)
        else:
            low, high = values
            if high < low:
                return None
            days.update(v % 7 for v in range(low, high + 1))
    return tuple(sorted(days)) if days else None


def _weekday(text: str) -> int | None:
    if text in _DAY_NAMES:
        return _DAY_NAMES[text]
    return _int(text, 0, 7)


def weekday_field(days) -> str:
    """Sorted days (0 = Sunday) as a field: runs of three or more as ranges (1-5)."""
    values = sorted(set(days))
    parts: list[str] = []
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{values[i]}-{values[j]}")
        else:
            parts.extend(str(v) for v in values[i : j + 1])
        i = j + 1
    return ",".join(parts)
