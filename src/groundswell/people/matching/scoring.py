"""Scoring a pair in the style of Fellegi and Sunter: the sum of the weights of the
field outcomes, each kept as a reason (``ScoredPair.explain()``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from groundswell.people.matching.fields import AGREE, CLOSE, COMPARED, DISAGREE, WEIGHTS, Weights
from groundswell.people.matching.outcomes import (
    FieldResult,
    Others,
    ScoredPair,
    _fixed,
    _outcomes,
)
from groundswell.people.matching.prepared import Prepared, prepare
from groundswell.people.matching.rules import shared_contact_weight, two_people


def _reasons(outcomes: Mapping[str, str], weights: Weights | None,
             holders: Mapping[str, int] | None = None
             ) -> tuple[tuple[FieldResult, ...], float]:
    table = weights if weights is not None else _fixed()
    household = two_people(outcomes)
    sibling = outcomes.get("given_name") == CLOSE
    reasons = []
    for name in COMPARED:
        outcome = outcomes.get(name)
        if outcome is None:
            continue
        levels = table.get(name)
        weight = levels[outcome] if levels is not None else WEIGHTS[name].of(outcome)
        if name in ("phone", "email") and outcome == CLOSE and holders:
            weight = shared_contact_weight(weight, holders.get(name, 0))
        if household:
            # Relatives at one door share a family name, an address and often a phone:
            # these agree together far more often than the independent weights assume.
            # With evidence of two people (given names, birth years or suffixes that
            # differ), a shared address counts for nothing and a shared contact as a
            # household's.
            if name == "address" and outcome != DISAGREE:
                weight = 0.0
            elif name in ("phone", "email") and outcome == AGREE:
                weight = shared_contact_weight(
                    (levels or {}).get(CLOSE, WEIGHTS[name].close), 0)
        elif sibling and name == "address" and outcome == AGREE:
            # Given names only close ("José" and "José Luis") at one door: as often a
            # brother (José Antonio) as the same man; the door says little more than
            # that they live together.
            weight = min(weight, (levels or {}).get(CLOSE, WEIGHTS[name].close))
        reasons.append(FieldResult(name, outcome, weight))
    return tuple(reasons), math.fsum(r.weight for r in reasons)


def compare(a: Prepared, b: Prepared, weights: Weights | None = None, *,
            others: Others | None = None) -> ScoredPair:
    """Score a pair, with the fixed weights or the given ones (e.g. from
    estimate_weights). Symmetric: compare(a, b) and compare(b, a) have the same score
    and reasons. Only fields present on both sides are compared and explained.
    ``others``: how many records besides these two hold a phone or an email (a
    household's contact weighs little; see ``_contact``)."""
    outcomes, holders = _outcomes(a, b, others)
    if weights is None:
        # Pairs repeat a few patterns of outcomes: each scored once.
        reasons, score = _fixed_reasons((*outcomes.items(), *holders.items()))
    else:
        reasons, score = _reasons(outcomes, weights, holders)
    return ScoredPair(a.key, b.key, score, reasons)


@lru_cache(maxsize=1 << 14)
def _fixed_reasons(pattern: tuple[tuple[str, Any], ...]
                   ) -> tuple[tuple[FieldResult, ...], float]:
    outcomes = {name: value for name, value in pattern if isinstance(value, str)}
    holders = {name: value for name, value in pattern if isinstance(value, int)}
    return _reasons(outcomes, None, holders)


def compare_records(a: Mapping[str, Any], b: Mapping[str, Any],
                    fields: Mapping[str, str] | None = None, region: str = "US") -> ScoredPair:
    return compare(prepare(a, fields, key=0, region=region),
                   prepare(b, fields, key=1, region=region))
