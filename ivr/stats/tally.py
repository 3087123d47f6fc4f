"""Counts of callers' events by day (UTC), read from the store or from the line's JSON log lines."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..tracking import Event


@dataclass
class Tally:
    """Events counted per day: {"2026-11-30": {("reached", "fr", "create", "3"): 4, ...}}."""

    days: dict[str, Counter[Event]] = field(default_factory=dict)

    @classmethod
    def from_fields(cls, days: Mapping[str, Mapping[str, int]]) -> Tally:
        """From the store's day counts, fields as 'reached|fr|create|3'."""
        return cls({day: Counter({tuple(name.split("|")): count for name, count in counts.items()})
                    for day, counts in sorted(days.items())})

    @classmethod
    def from_log(cls, lines: Iterable[str]) -> Tally:
        """From JSON log lines: each webhook's `stats`, on the day of its `time`; other lines are skipped."""
        days: dict[str, Counter[Event]] = {}
        for line in lines:
            entry = _json(line)
            stats, when = entry.get("stats"), entry.get("time")
            if not isinstance(stats, list) or not isinstance(when, str) or len(when) < 10:
                continue
            counts = days.setdefault(when[:10], Counter())
            counts.update(tuple(item.split("|")) for item in stats if isinstance(item, str))
        tally = cls(dict(sorted(days.items())))
        tally.fill_gaps()
        return tally

    def fill_gaps(self) -> None:
        """Days without a line between the first and the last count as empty."""
        if not self.days:
            return
        first, last = (date.fromisoformat(day) for day in (min(self.days), max(self.days)))
        span = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
        self.days = {day: self.days.get(day, Counter()) for day in span}

    def total(self) -> Counter[Event]:
        """Every day's counts added up."""
        found: Counter[Event] = Counter()
        for counts in self.days.values():
            found.update(counts)
        return found


def _json(line: str) -> dict[str, object]:
    """A log line's object, or {} for anything else (gunicorn's own lines, a cut line)."""
    line = line.strip()
    if not line.startswith("{"):
        return {}
    try:
        entry = json.loads(line)
    except ValueError:
        return {}
    return entry if isinstance(entry, dict) else {}
