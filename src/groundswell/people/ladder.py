"""The engagement ladder's rules, evaluated without Django.

A person's activity is summarized as counts; each stage has a rule (minimum counts);
the computed stage is the highest stage whose rule holds, where a stage with an empty
rule always holds (the first rung: "contact").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

# What a rule may ask for, and the interaction kinds each one counts.
RULE_KEYS: dict[str, tuple[str, ...]] = {
    "activities": ("attendance", "service"),
    "conversations": ("door_visit", "call", "text", "one_on_one"),
    "one_on_ones": ("one_on_one",),
    "brought": ("brought",),
    "spoke": ("spoke",),
}

DEFAULT_LADDER: list[tuple[str, dict[str, int]]] = [
    ("contact", {}),
    ("participant", {"activities": 1}),
    ("supporter", {"activities": 2, "conversations": 1}),
    ("active", {"activities": 3}),
    ("leader", {"activities": 3, "brought": 1, "spoke": 1}),
    ("member", {"activities": 6, "brought": 2, "spoke": 2, "one_on_ones": 1}),
]


@dataclass(frozen=True)
class Rung:
    key: object  # whatever identifies the stage to the caller (a pk)
    position: int
    rule: Mapping[str, int] = field(default_factory=dict)


def summarize(kinds: Sequence[str]) -> dict[str, int]:
    """Interaction kinds -> the counts rules are written in."""
    return {name: sum(1 for kind in kinds if kind in counted)
            for name, counted in RULE_KEYS.items()}


def holds(rule: Mapping[str, int], counts: Mapping[str, int]) -> bool:
    return all(counts.get(name, 0) >= int(minimum) for name, minimum in rule.items())


def computed_stage(rungs: Sequence[Rung], counts: Mapping[str, int]) -> Rung | None:
    """The highest rung whose rule holds (rules need not nest: someone who came to three
    activities is active even if nobody has knocked on their door yet)."""
    reached = None
    for rung in sorted(rungs, key=lambda r: r.position):
        if holds(rung.rule, counts):
            reached = rung
    return reached


def suggested_level(rungs: Sequence[Rung], reached: Rung | None) -> int:
    """Map the computed stage onto the 1–5 engagement level scale."""
    if reached is None or not rungs:
        return 1
    ordered = sorted(r.position for r in rungs)
    index = ordered.index(reached.position)
    if len(ordered) == 1:
        return 1
    return 1 + round(4 * index / (len(ordered) - 1))


def validate_rule(rule: object) -> dict[str, int]:
    if not isinstance(rule, Mapping):
        raise ValueError("A rule is a set of minimum counts.")
    clean: dict[str, int] = {}
    for name, value in rule.items():
        if name not in RULE_KEYS:
            raise ValueError(f"Unknown rule {name!r}; use {', '.join(RULE_KEYS)}.")
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1000:
            raise ValueError(f"{name} needs a whole number from 0 to 1000.")
        clean[name] = value
    return clean
