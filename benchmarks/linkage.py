"""Linking two lists and deduplicating one with weights estimated from the data (EM),
and the clusters the pairs form: what the FEBRL benchmark (matching_febrl4.py) runs to
compare our matcher with splink and recordlinkage on a public data set. The product does
not use it: the duplicate scan and the import use the fixed weights of
``groundswell.people.matching`` (``dedupe``, ``candidates``), so this lives apart from the
production matcher.

``link(left, right, fields=...)`` links two lists and ``dedupe_all(records, fields=...)``
deduplicates one, both with weights estimated from the compared pairs by EM
(``estimate_weights``) unless fixed or given ones are asked for, returning scored pairs,
their ``clusters`` and the weights used.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from groundswell.people.matching import (
    AGREE,
    CLOSE,
    DEFAULT_FIELDS,
    DISAGREE,
    MAX_BLOCK,
    THRESHOLD,
    WEIGHTS,
    FieldResult,
    Index,
    Others,
    Prepared,
    ScoredPair,
    Weights,
    blocking_keys,
    build_index,
    fixed_weights,
    prepare,
)
from groundswell.people.matching.blocking import _WEAK_KEYS, _others_within
from groundswell.people.matching.fields import FieldWeights
from groundswell.people.matching.outcomes import _outcomes
from groundswell.people.matching.scoring import _reasons


def _strict_neighbours(index: Index, record: Prepared) -> list[int]:
    """Like ``Index.neighbours``, but a record sharing only weak keys (a family-name
    prefix, a given name with an initial) must share two of them: what ``link``
    compares, where lists are large and a lone common surname says little."""
    strong: set[int] = set()
    weak: dict[int, int] = defaultdict(int)
    for key in blocking_keys(record):
        block = index.blocks.get(key, ())
        if len(block) > MAX_BLOCK:
            continue
        if key.startswith(_WEAK_KEYS):
            for position in block:
                weak[position] += 1
        else:
            strong.update(block)
    strong.update(position for position, count in weak.items() if count >= 2)
    return sorted(strong)


# --- weights from the data (EM) -----------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """What ``estimate_weights`` learned: the weights, the share of compared pairs that
    are matches, and the per-field m and u probabilities of each outcome."""

    weights: dict[str, dict[str, float]]
    match_share: float
    m: dict[str, dict[str, float]]
    u: dict[str, dict[str, float]]
    iterations: int

    @property
    def threshold(self) -> float:
        """The score at which a pair is as likely a match as not."""
        p = min(max(self.match_share, 1e-9), 1 - 1e-9)
        return math.log2((1 - p) / p)


_LEVELS = (AGREE, CLOSE, DISAGREE)


def estimate_weights(patterns: Iterable[Mapping[str, str]], *, max_iterations: int = 100,
                     tolerance: float = 1e-6, match_share: float = 0.1) -> Estimate:
    """Fellegi-Sunter m and u probabilities by expectation-maximisation over the
    outcomes of the compared pairs (each pattern: field -> agree/close/disagree; a
    field missing from a pattern was not compared and counts for neither side).
    Patterns that repeat are counted once with their number, so a few hundred thousand
    pairs take a few milliseconds per iteration. Starts from the fixed weights' m and
    u; probabilities are kept away from 0 so that every weight is finite."""
    counts: dict[tuple[tuple[str, str], ...], int] = defaultdict(int)
    for pattern in patterns:
        counts[tuple(sorted(pattern.items()))] += 1
    fields = sorted({name for pattern in counts for name, _ in pattern})
    eps = 1e-6
    m: dict[str, dict[str, float]] = {}
    u: dict[str, dict[str, float]] = {}
    for name in fields:
        base = WEIGHTS.get(name, FieldWeights(0.9, 0.05, 1.0))
        m[name] = {AGREE: base.m * 0.9, CLOSE: base.m * 0.1, DISAGREE: 1 - base.m}
        u[name] = {AGREE: base.u, CLOSE: min(0.05, base.u * 5), DISAGREE: 0.0}
        u[name][DISAGREE] = max(eps, 1 - u[name][AGREE] - u[name][CLOSE])
    p = match_share
    items = list(counts.items())
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 (reported)
        m_sum = {n: dict.fromkeys(_LEVELS, 0.0) for n in fields}
        u_sum = {n: dict.fromkeys(_LEVELS, 0.0) for n in fields}
        matched = total = 0.0
        lm = {(n, o): math.log(v) for n in fields for o, v in m[n].items()}
        lu = {(n, o): math.log(v) for n in fields for o, v in u[n].items()}
        log_p, log_q = math.log(p), math.log(1 - p)
        for pattern, count in items:
            log_m = log_p + sum(lm[entry] for entry in pattern)
            log_u = log_q + sum(lu[entry] for entry in pattern)
            top = max(log_m, log_u)
            g = math.exp(log_m - top) / (math.exp(log_m - top) + math.exp(log_u - top))
            matched += g * count
            total += count
            for n, o in pattern:
                m_sum[n][o] += g * count
                u_sum[n][o] += (1 - g) * count
        new_p = min(max(matched / total, eps), 1 - eps) if total else p
        change = abs(new_p - p)
        for n in fields:
            for sums, probs in ((m_sum, m), (u_sum, u)):
                level_total = sum(sums[n].values())
                if level_total <= 0:
                    continue
                for level in _LEVELS:
                    value = max(eps, sums[n][level] / level_total)
                    change = max(change, abs(value - probs[n][level]))
                    probs[n][level] = value
        p = new_p
        if change < tolerance:
            break
    weights = {n: {level: math.log2(m[n][level] / u[n][level]) for level in _LEVELS}
               for n in fields}
    return Estimate(weights, p, m, u, iterations)


# --- linking two lists, deduplicating one, clusters -----------------------------------------


@dataclass(frozen=True)
class Linkage:
    """Scored pairs (best first, each with its explanation), the clusters they form, and
    the weights and threshold they were scored with."""

    pairs: list[ScoredPair]
    clusters: list[frozenset[Hashable]]
    weights: dict[str, dict[str, float]]
    threshold: float
    estimate: Estimate | None = None


def clusters(pairs: Iterable[ScoredPair]) -> list[frozenset[Hashable]]:
    """Connected groups of records joined by ``pairs`` (union-find); groups of two or
    more, largest first."""
    parent: dict[Hashable, Hashable] = {}

    def root(x: Hashable) -> Hashable:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        a, b = root(pair.first), root(pair.second)
        if a != b:
            parent[b] = a
    groups: dict[Hashable, set[Hashable]] = defaultdict(set)
    for x in parent:
        groups[root(x)].add(x)
    found = [frozenset(g) for g in groups.values() if len(g) > 1]
    found.sort(key=lambda g: (-len(g), sorted(map(str, g))))
    return found


def _resolve_weights(weights: Weights | str | None, patterns: list[dict[str, str]],
                     threshold: float | None) -> tuple[dict[str, dict[str, float]], float,
                                                       Estimate | None]:
    if weights == "em":
        estimate = estimate_weights(patterns)
        return estimate.weights, estimate.threshold if threshold is None else threshold, \
            estimate
    if weights is None:
        return fixed_weights(), THRESHOLD if threshold is None else threshold, None
    if isinstance(weights, str):
        raise ValueError("weights must be None, 'em' or a mapping")
    chosen = {name: dict(levels) for name, levels in weights.items()}
    return chosen, THRESHOLD if threshold is None else threshold, None


def _one_to_one(pairs: list[ScoredPair]) -> list[ScoredPair]:
    """Each record in at most one pair, best scores first (for linking two lists that
    each hold a person once)."""
    used_left: set[Hashable] = set()
    used_right: set[Hashable] = set()
    kept = []
    for pair in pairs:
        if pair.first in used_left or pair.second in used_right:
            continue
        used_left.add(pair.first)
        used_right.add(pair.second)
        kept.append(pair)
    return kept


def link(left: Sequence[Mapping[str, Any]], right: Sequence[Mapping[str, Any]],
         fields: Mapping[str, Any] | None = None, *, weights: Weights | str | None = "em",
         threshold: float | None = None, one_to_one: bool = False,
         region: str = "US") -> Linkage:
    """Pairs (left record, right record) that may be one person. ``fields`` maps matcher
    field names to keys of the records (both lists alike); records are identified by
    their ``id`` field, else by their position. ``weights``: ``"em"`` estimates them
    from the compared pairs (the default), None uses the fixed ones, or give a mapping
    field -> outcome -> weight. ``threshold`` defaults to the estimate's (where a pair
    is as likely a match as not) or THRESHOLD. ``one_to_one`` keeps each record in one
    pair at most (best first). Blocking: pairs sharing a strong key (phone, email,
    street, full birth date, id number, postal code with the street's first letters) or
    two weak ones (family-name prefix, given name with the family initial)."""
    fields = dict(DEFAULT_FIELDS if fields is None else fields)
    index = build_index(right, fields, region, split_weak=False)
    prepared_left = [prepare(r, fields, key=position, region=region)
                     for position, r in enumerate(left)]
    compared: list[tuple[Prepared, Prepared]] = []
    for record in prepared_left:
        for other in _strict_neighbours(index, record):
            compared.append((record, index.records[other]))
    holders = index.holders

    def others(value: str) -> int:
        return holders.get(value, 0) - 1
    return _score(compared, weights, threshold, one_to_one, others)


def _score(compared: list[tuple[Prepared, Prepared]], weights: Weights | str | None,
           threshold: float | None, one_to_one: bool,
           others: Others | None = None) -> Linkage:
    found = [_outcomes(a, b, others) for a, b in compared]
    patterns = [pattern for pattern, _holders in found]
    chosen, cut, estimate = _resolve_weights(weights, patterns, threshold)
    # Many pairs share a pattern of outcomes: score each pattern once.
    scored: dict[tuple[Any, ...], tuple[tuple[FieldResult, ...], float]] = {}
    pairs = []
    for (a, b), (pattern, holders) in zip(compared, found, strict=True):
        key = (*pattern.items(), *holders.items())
        if key not in scored:
            scored[key] = _reasons(pattern, chosen, holders)
        reasons, score = scored[key]
        if score >= cut:
            pairs.append(ScoredPair(a.key, b.key, score, reasons))
    pairs.sort(key=lambda p: (-p.score, str(p.first), str(p.second)))
    if one_to_one:
        pairs = _one_to_one(pairs)
    return Linkage(pairs, clusters(pairs), chosen, cut, estimate)


def dedupe_all(records: Sequence[Mapping[str, Any]], fields: Mapping[str, Any] | None = None,
               *, weights: Weights | str | None = "em", threshold: float | None = None,
               region: str = "US") -> Linkage:
    """``dedupe`` with estimated (or given) weights, returning clusters as well."""
    index = build_index(records, fields, region, split_weak=False)
    compared = []
    for position, record in enumerate(index.records):
        for other in index.neighbours(record):
            if other > position:
                compared.append((record, index.records[other]))
    return _score(compared, weights, threshold, one_to_one=False,
                  others=_others_within(index))
