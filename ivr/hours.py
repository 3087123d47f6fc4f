"""When the centre de contact citoyens answers: a weekly schedule in Paris time, read from a setting.

"mon-fri 09:00-18:00; sat 09:00-12:00" opens Monday to Friday from 9 to 18, Saturday from 9 to 12. Each
part is days (a day, or a range of days, comma separated) and a time range; the end is not included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
PART = re.compile(r"(?P<days>[a-z,\-]+)\s+(?P<start>\d{2}:\d{2})-(?P<end>\d{2}:\d{2})")


class HoursError(ValueError):
    """The schedule setting cannot be read; the message says what is wrong."""


@dataclass(frozen=True)
class Opening:
    """One day of the week's opening: from `start` (included) to `end` (excluded)."""

    day: int  # 0 is Monday, as datetime.weekday() counts
    start: time
    end: time


@dataclass(frozen=True)
class Schedule:
    """The hours the centre answers in a week."""

    openings: tuple[Opening, ...]

    @classmethod
    def parse(cls, text: str) -> Schedule:
        """Read "mon-fri 09:00-18:00; sat 09:00-12:00"; HoursError when it cannot be read."""
        openings: list[Opening] = []
        for part in filter(None, (piece.strip().lower() for piece in text.split(";"))):
            match = PART.fullmatch(part)
            if match is None:
                raise HoursError(f"CCC_HOURS: cannot read {part!r}; write e.g. 'mon-fri 09:00-18:00'")
            start, end = _time(match["start"]), _time(match["end"])
            if end <= start:
                raise HoursError(f"CCC_HOURS: {part!r} ends before it starts")
            openings += [Opening(day, start, end) for day in _days(match["days"])]
        if not openings:
            raise HoursError("CCC_HOURS is empty; leave it unset for a centre that always answers")
        return cls(tuple(openings))

    def is_open(self, moment: datetime) -> bool:
        """Whether the centre answers at this moment (any time zone; compared in Paris time)."""
        local = moment.astimezone(PARIS)
        now = local.time()
        return any(opening.day == local.weekday() and opening.start <= now < opening.end
                   for opening in self.openings)


def _time(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError as error:
        raise HoursError(f"CCC_HOURS: {text!r} is not a time of day (HH:MM)") from error


def _days(text: str) -> list[int]:
    days: list[int] = []
    for piece in text.split(","):
        first, _, last = piece.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise HoursError(f"CCC_HOURS: {piece!r} is not a day or a range of days ({', '.join(DAYS)})")
        start, end = DAYS.index(first), DAYS.index(last or first)
        days += list(range(start, end + 1)) if start <= end else [*range(start, 7), *range(0, end + 1)]
    return days


def paris_now() -> datetime:
    """The time now, in Paris."""
    return datetime.now(PARIS)
