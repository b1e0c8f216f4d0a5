"""Counting for programs and distributions, without Django: stock shortages, roll-call
rates, reach (people, households, new and returning) and conversion (of those reached,
who was later visited, raised a grievance, took part in an action, joined the
rapid-response list). The services and reports feed it plain values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date


def shortages(on_hand: Mapping[int, int], wanted: Mapping[int, int]) -> dict[int, int]:
    """Items for which ``wanted`` (item -> quantity to take out) exceeds what is on hand:
    item -> how many are missing. Quantities must be positive."""
    missing: dict[int, int] = {}
    for item, quantity in wanted.items():
        if quantity <= 0:
            raise ValueError("quantities taken out must be positive")
        have = on_hand.get(item, 0)
        if quantity > have:
            missing[item] = quantity - max(have, 0)
    return missing


def low_stock(on_hand: Mapping[int, int], thresholds: Mapping[int, int]) -> set[int]:
    """Items at or below their warning level (a level of 0 warns only when empty)."""
    return {item for item, have in on_hand.items() if have <= thresholds.get(item, 0)}


@dataclass(frozen=True)
class RollCall:
    present: int
    late: int
    absent: int

    @property
    def marked(self) -> int:
        return self.present + self.late + self.absent

    @property
    def came(self) -> int:
        return self.present + self.late

    def rate_percent(self) -> int | None:
        """Share of marked children who came (present or late), rounded; None when
        nobody was marked."""
        if not self.marked:
            return None
        return (200 * self.came + self.marked) // (2 * self.marked)  # round half up


def roll_call(statuses: Iterable[str]) -> RollCall:
    counts = {"present": 0, "late": 0, "absent": 0}
    for status in statuses:
        if status not in counts:
            raise ValueError(f"unknown roll-call status {status!r}")
        counts[status] += 1
    return RollCall(**counts)


@dataclass(frozen=True)
class Reach:
    people: int
    households: int
    new_people: int
    returning_people: int


def reach(contacts: Iterable[tuple[int, int | None]], first_seen: Mapping[int, date],
          since: date) -> Reach:
    """``contacts``: (person, household or None) reached in a period starting ``since``;
    ``first_seen``: when each person's record began. A person is new when their record
    began in the period; a person without a household counts as a household of one."""
    people: set[int] = set()
    households: set[tuple[str, int]] = set()
    for person, household in contacts:
        people.add(person)
        households.add(("h", household) if household is not None else ("p", person))
    new = sum(1 for person in people if first_seen.get(person, since) >= since)
    return Reach(len(people), len(households), new, len(people) - new)


def converted(first_reached: Mapping[int, date],
              later: Iterable[tuple[int, date]]) -> set[int]:
    """People with something in ``later`` (person, day) on or after the day they were
    first reached."""
    return {person for person, day in later
            if person in first_reached and day >= first_reached[person]}
