"""The one search service for people: typo- and accent-tolerant lookup by name,
street and phone digits. Views, the API, the kiosk and imports all call
``search_people``; how it is answered is this module's business.

What is indexed
    ``Person.search_text`` (see ``compose_search_text``): folded words (no accents,
    lowercase; hyphens and apostrophes split words) of the names and of the street and
    unit of the current home. No phone digits and no email: a number typed in the box is
    looked up by blind index (the whole number, or its last four digits).

The indexes, kept in sync by database triggers (migration ``0002_search_index``), so
every write path (services, bulk imports, a merge, forgetting someone, a raw UPDATE)
updates them in its own transaction:

* text: on SQLite an FTS5 table with the ``trigram`` tokenizer over
  ``" " + search_text + " "`` (``" garcia "`` is a whole word, ``"ose "`` a word end,
  ``"drigu"`` any substring), and an FTS5 table of whole words (one posting list per
  word, no positions: the fast path); on PostgreSQL pg_trgm, a GIN ``gin_trgm_ops``
  index over the same padded text, and a GIN index over the array of words.
* the vocabulary ``people_searchword(organization_id, word)``: each distinct word of an
  organization's search texts, in a B-tree. A word leaves when the last person who had
  it loses it (a move, a merge, forgetting someone): a forgotten person's unusual
  surname does not linger here.

How a query is answered
    1. A query of phone digits (four or more) is answered by blind index: a whole valid
       number gives its holders, anything else the holders of its last four digits.
       Otherwise fold the query like the index and split it into words; street words
       also stand for their USPS abbreviation ("north" for "n").
    2. For each word, alternatives with a score: the word itself (1.0); vocabulary words
       it begins (prefix matching, about 0.9; the only thing a query shorter than three
       characters gets); vocabulary words one edit away (two from eight letters on;
       optimal string alignment from rapidfuzz, so two swapped letters are one edit).
       Only a few B-tree ranges of the vocabulary are read: words under the same first
       letter, under the second letter (swapped or extra first letter), and the exact
       spellings with another or a missing first letter.
    3. Candidates: for the best combination of alternatives first, the people with,
       for every query word, one of its alternatives as a whole word; then the next
       combination, until enough people are found that no later combination could
       outrank them (a threshold algorithm), within ``MAX_INDEX_QUERIES``. If nothing
       convincing turned up, one broader trigram query: substrings and word ends.
    4. Re-rank in Python with rapidfuzz against the folded query: for each query word
       its best word of the person (exact 1, prefix about 0.9, one edit 0.67 to 0.9,
       inside a word 0.5 to 0.8), averaged, plus up to ``NAME_BONUS`` for a name close to
       the whole query (``fuzz.token_sort_ratio``).

How it scales
    No step reads every person. Each index query asks for the people holding a few given
    words, in id order, and stops after a bounded number of rows (SQLite reads the
    posting lists of those words; PostgreSQL bitmaps of its GIN indexes, filtered by
    organization); at most ``MAX_INDEX_QUERIES`` + 1 run. The vocabulary grows with the
    number of distinct words, far slower than the number of people (names repeat), and a
    query reads a few ranges of it, at most ``VOCABULARY_RANGE_LIMIT`` words each.
    Re-ranking touches at most a few hundred candidates. ``benchmarks/search.py``
    measures it on 1,000,000 people. The SQLite index is shared by the organizations of
    an install: a query reads the index's hits in id order and keeps those of the
    caller's queryset (at most ``MAX_INDEX_CHUNKS`` chunks), fine for one or a few
    organizations; a large multi-tenant install belongs on PostgreSQL.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.db import connections, transaction
from django.db.models import BooleanField, Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django_scopes import get_scope
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from groundswell.people.models import ContactPoint, Person
from groundswell.people.normalize import NormalizationError, digits, fold, normalize_phone

MAX_RESULTS = 200  # people returned at most (also when the caller gives no limit)
MAX_QUERY_WORDS = 6
MAX_INDEX_QUERIES = 10
MAX_INDEX_CHUNKS = 8
MAX_PREFIX_WORDS = 40  # words of the vocabulary a short prefix stands for
MAX_FUZZY_WORDS = 30
VOCABULARY_RANGE_LIMIT = 5000  # words read under one first letter
FALLBACK_MIN_SCORE = 0.5
CONFIDENT = 0.85  # a person this close needs no broader search
NAME_BONUS = 0.05  # at most this much for a name close to the whole query

# A query word also stands for its USPS abbreviation (what the index holds for streets).
STREET_WORDS = {
    "north": "n", "south": "s", "east": "e", "west": "w", "street": "st", "avenue": "ave",
    "av": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr", "lane": "ln",
    "place": "pl", "court": "ct", "terrace": "ter", "square": "sq", "parkway": "pkwy",
    "highway": "hwy", "apartment": "apt", "floor": "fl", "first": "1st", "second": "2nd",
    "third": "3rd", "fourth": "4th", "fifth": "5th", "sixth": "6th", "seventh": "7th",
    "eighth": "8th", "ninth": "9th", "tenth": "10th",
}

_SEPARATORS = re.compile(r"[-'_\s]+")
_PLAIN_WORD = re.compile(r"^[a-z0-9]+$")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_FIELDS = ("pk", "search_text", "given_name", "family_name", "preferred_name")
_PHONE_LIKE = re.compile(r"^[\d\s().+\-/]+$")


# --- what is indexed ---------------------------------------------------------------------


def search_words(text: str) -> list[str]:
    """Folded words, as the index splits them: ``"José O'Brien-Díaz"`` ->
    ``["jose", "o", "brien", "diaz"]``."""
    return list(_search_words(text)) if text else []


@lru_cache(maxsize=1 << 16)
def _search_words(text: str) -> tuple[str, ...]:
    # Names and streets repeat (an import writes the search text of thousands of
    # people): each distinct one is folded once.
    return tuple(word for word in _SEPARATORS.split(fold(text)) if word)


def compose_search_text(*, given_name: str, family_name: str, preferred_name: str = "",
                        street: str = "", unit: str = "",
                        phone_last_fours: Iterable[str] = ()) -> str:
    """What the index holds for one person: folded names, street and unit, and the last
    four digits of each phone (give the numbers or their last four; only four digits
    are kept). Never a full phone number or an email."""
    words: list[str] = []
    for part in (given_name, family_name, preferred_name, street, unit):
        words += search_words(part)
    words += [digits(number)[-4:] for number in phone_last_fours if digits(number)]
    return " ".join(words)


# --- the query ------------------------------------------------------------------------------


@dataclass
class _Word:
    """One word of the query and what it may stand for: {word: best score}."""

    text: str
    alternatives: dict[str, float] = field(default_factory=dict)

    def levels(self) -> list[tuple[float, list[str]]]:
        """Alternatives grouped by score (rounded), best first; a level's score is the
        best of its words, so it bounds what a person found through it can score."""
        groups: dict[int, list[str]] = {}  # by twentieths
        for word, score in self.alternatives.items():
            groups.setdefault(round(score * 20), []).append(word)
        return sorted(((max(self.alternatives[w] for w in words), sorted(words))
                       for words in groups.values()), reverse=True)


def _max_edits(word: str) -> int:
    """Typos forgiven in a word: none in numbers and single letters, two from eight
    letters on."""
    if len(word) < 2 or word.isdigit():
        return 0
    return 1 if len(word) < 8 else 2


def word_score(query_word: str, word: str) -> float:
    """How well one word of a person answers one word of the query, 0 to 1."""
    if query_word == word:
        return 1.0
    if word.startswith(query_word):
        return 0.85 + 0.1 * len(query_word) / len(word)
    cutoff = _max_edits(query_word)
    if cutoff and not word.isdigit():
        distance = OSA.distance(query_word, word, score_cutoff=cutoff)
        if distance <= cutoff:
            return 1.0 - distance / (max(len(query_word), len(word)) + 1)
    if len(query_word) >= 3 and query_word in word:
        return 0.5 + 0.3 * len(query_word) / len(word)
    return 0.0


def _next_prefix(prefix: str) -> str:
    """The smallest string greater than every string that starts with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


# --- the database side ------------------------------------------------------------------


def _organization_id() -> int | None:
    organization = get_scope().get("organization")
    if organization is None or isinstance(organization, list | tuple | set | QuerySet):
        return None
    return getattr(organization, "pk", organization)


class _Index:
    """Index access for one search: the vocabulary and candidates from the text index."""

    def __init__(self, queryset: QuerySet[Person]) -> None:
        self.queryset = queryset.order_by()
        self.connection = connections[queryset.db]
        self.vendor = self.connection.vendor
        self.organization_id = _organization_id()
        self.queries = 0

    @contextmanager
    def _index_plans(self) -> Iterator[None]:
        """PostgreSQL guesses how many people have a word badly (it has no statistics
        for these index expressions) and, asked for ten, would rather read the
        organization's rows one by one hoping to meet them soon: for a word few people
        have, that is all of them. For one query, make it use the GIN indexes (bitmap
        scans); the settings are local to the transaction and put back right after."""
        with transaction.atomic(using=self.connection.alias, savepoint=False), \
                self.connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('enable_seqscan'), "
                           "current_setting('enable_indexscan'), "
                           "set_config('enable_seqscan', 'off', true), "
                           "set_config('enable_indexscan', 'off', true)")
            seqscan, indexscan, *_rest = cursor.fetchone()
            yield
            cursor.execute("SELECT set_config('enable_seqscan', %s, true), "
                           "set_config('enable_indexscan', %s, true)", [seqscan, indexscan])

    def words_starting(self, prefix: str, limit: int = VOCABULARY_RANGE_LIMIT) -> list[str]:
        """Words of the vocabulary starting with ``prefix``, in order, at most ``limit``."""
        sql = "SELECT word FROM people_searchword WHERE word >= %s AND word < %s"
        params: list[object] = [prefix, _next_prefix(prefix)]
        if self.organization_id is not None:
            sql += " AND organization_id = %s"
            params.append(self.organization_id)
        sql += " ORDER BY word LIMIT %s"
        params.append(limit)
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]

    def words_among(self, words: Iterable[str]) -> list[str]:
        """Which of these words the vocabulary has."""
        words = sorted(words)
        if not words:
            return []
        placeholders = ", ".join(["%s"] * len(words))  # values go as parameters
        sql = f"SELECT word FROM people_searchword WHERE word IN ({placeholders})"  # noqa: S608  # nosec B608
        params: list[object] = list(words)
        if self.organization_id is not None:
            sql += " AND organization_id = %s"
            params.append(self.organization_id)
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]

    def candidates(self, groups: Sequence[Sequence[str]], want: int, *,
                   whole_words: bool = True) -> list[tuple[int, str, str, str, str]]:
        """People of the queryset whose search text has, for every group, one of the
        group's strings: as a whole word, or (``whole_words`` false) anywhere, where a
        string starting or ending with a space anchors that end to a word boundary."""
        self.queries += 1
        if self.vendor == "postgresql":
            return self._postgresql_candidates(groups, want, whole_words)
        words_index = whole_words and all(_PLAIN_WORD.match(s) for g in groups for s in g)
        if words_index:  # one posting list per word: the fastest way to whole words
            table = "people_person_words"
            expression = " AND ".join(
                "(" + " OR ".join(f'"{s}"' for s in group) + ")" for group in groups)
        else:
            table = "people_person_fts"
            expression = " AND ".join(
                "(" + " OR ".join(f'"{_pad(s, whole_words)}"' for s in group) + ")"
                for group in groups)
        found: list[tuple[int, str, str, str, str]] = []
        chunk = max(want * 2, 200)
        last = 0
        with self.connection.cursor() as cursor:
            for _ in range(MAX_INDEX_CHUNKS):
                cursor.execute(  # the table is one of our two index tables, by name
                    f"SELECT rowid FROM {table} WHERE {table} MATCH %s "  # noqa: S608  # nosec B608
                    "AND rowid > %s ORDER BY rowid LIMIT %s", [expression, last, chunk])
                ids = [row[0] for row in cursor.fetchall()]
                if ids:
                    found += list(self.queryset.filter(pk__in=ids).values_list(*_FIELDS)
                                  [:want - len(found)])
                if len(ids) < chunk or len(found) >= want:
                    break
                last = ids[-1]
        return found

    def _postgresql_candidates(self, groups: Sequence[Sequence[str]], want: int,
                               whole_words: bool) -> list[tuple[int, str, str, str, str]]:
        # The expressions of the GIN indexes (migration 0002); values go as parameters.
        if whole_words:
            sql = " AND ".join(
                "string_to_array(\"people_person\".\"search_text\", ' ') && %s::text[]"
                for _ in groups)
            params: list[object] = [list(group) for group in groups]
        else:
            padded = "(' ' || \"people_person\".\"search_text\" || ' ') LIKE %s"
            sql = " AND ".join("(" + " OR ".join(padded for _ in group) + ")"
                               for group in groups)
            params = [f"%{_pad(s, False, like=True)}%" for group in groups for s in group]
        # Our own SQL text; the search words go as parameters.
        matching = RawSQL(sql, params, output_field=BooleanField())  # noqa: S611  # nosec B611
        with self._index_plans():
            return list(self.queryset.filter(matching).values_list(*_FIELDS)[:want])


def _pad(text: str, whole_words: bool, *, like: bool = False) -> str:
    if like:
        text = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f" {text} " if whole_words else text


# --- the search -----------------------------------------------------------------------------


def _alternatives(index: _Index, text: str, *, prefix_only: bool = False) -> _Word:
    word = _Word(text, {text: 1.0})
    if text in STREET_WORDS:
        word.alternatives[STREET_WORDS[text]] = 1.0
    edits = 0 if prefix_only else _max_edits(text)
    if not edits:  # numbers, single letters, short queries: prefix matching only
        longer = [w for w in index.words_starting(text, MAX_PREFIX_WORDS + 1) if w != text]
        for other in longer[:MAX_PREFIX_WORDS]:
            word.alternatives[other] = word_score(text, other)
        return word
    # A typo after the first letter keeps the first letter: read the vocabulary under it
    # (when it has too many words there: under the first two letters, and the first and
    # the third, missing only a wrong or missing second letter). Two letters swapped at
    # the start, or one too many there, keep the second letter and the third or first.
    vocabulary = index.words_starting(text[0], VOCABULARY_RANGE_LIMIT + 1)
    heads = [text[1] + text[0], text[1:3]]
    if len(vocabulary) > VOCABULARY_RANGE_LIMIT:
        vocabulary = []
        heads += [text[:2], text[0] + text[2:3]]
    for head in dict.fromkeys(heads):
        vocabulary += index.words_starting(head)
    # A wrong or missing first letter: ask for each spelling of it.
    if _PLAIN_WORD.match(text) and not text.isdigit():
        spellings = {letter + text[1:] for letter in _LETTERS}
        spellings |= {letter + text for letter in _LETTERS}
        if len(text) > 2:
            spellings.add(text[1:])
        vocabulary += index.words_among(spellings - {text})
    vocabulary = list(dict.fromkeys(vocabulary))
    longer = [w for w in vocabulary if w.startswith(text) and w != text]
    for other in longer[:MAX_PREFIX_WORDS]:
        word.alternatives[other] = word_score(text, other)
    near = process.extract(text, vocabulary, scorer=OSA.distance, score_cutoff=edits,
                           limit=None)
    fuzzy = sorted(((-word_score(text, other), other) for other, _d, _i in near
                    if len(other) > 1 and other != text and not other.startswith(text)))
    for negative, other in fuzzy[:MAX_FUZZY_WORDS]:
        if negative < 0:
            word.alternatives.setdefault(other, -negative)
    return word


class _Ranking:
    def __init__(self, query_words: list[str]) -> None:
        self.query_words = query_words
        self.query = " ".join(query_words)
        self.cache: dict[str, tuple[float, ...]] = {}
        self.scores: dict[int, float] = {}
        self.names: dict[int, str] = {}

    def _word(self, word: str) -> tuple[float, ...]:
        scores = self.cache.get(word)
        if scores is None:
            scores = tuple(1.0 if STREET_WORDS.get(q) == word else word_score(q, word)
                           for q in self.query_words)
            self.cache[word] = scores
        return scores

    def add(self, rows: Iterable[tuple[int, str, str, str, str]]) -> None:
        for pk, text, given, family, preferred in rows:
            if pk in self.scores:
                continue
            best = [0.0] * len(self.query_words)
            for word in text.split():
                for i, score in enumerate(self._word(word)):
                    if score > best[i]:
                        best[i] = score
            name = " ".join(search_words(f"{given} {family}"))
            closeness = fuzz.token_sort_ratio(self.query, name) / 100
            if preferred:
                closeness = max(closeness, fuzz.token_sort_ratio(
                    self.query, " ".join(search_words(f"{preferred} {family}"))) / 100)
            self.scores[pk] = sum(best) / len(best) + NAME_BONUS * closeness
            self.names[pk] = name

    def count_at_least(self, score: float) -> int:
        return sum(1 for s in self.scores.values() if s >= score)

    def best(self, n: int, minimum: float = 0.0) -> list[int]:
        ranked = sorted((pk for pk, s in self.scores.items() if s >= minimum),
                        key=lambda pk: (-self.scores[pk], self.names[pk], pk))
        return ranked[:n]


def _combinations(words: list[_Word]) -> Iterable[tuple[float, list[list[str]]]]:
    """Combinations of alternative levels, best (mean score) first."""
    levels = [word.levels() for word in words]

    def score(index: tuple[int, ...]) -> float:
        return sum(levels[i][j][0] for i, j in enumerate(index)) / len(levels)

    start = tuple(0 for _ in levels)
    heap = [(-score(start), start)]
    seen = {start}
    while heap:
        negative, index = heapq.heappop(heap)
        yield -negative, [levels[i][j][1] for i, j in enumerate(index)]
        for i in range(len(index)):
            if index[i] + 1 < len(levels[i]):
                following = index[:i] + (index[i] + 1,) + index[i + 1:]
                if following not in seen:
                    seen.add(following)
                    heapq.heappush(heap, (-score(following), following))


def _fallback_groups(words: list[_Word]) -> list[list[str]]:
    """Broader groups for the last query: a word's best alternatives, the word as a
    substring, and its ends (a first letter typed wrong or missing); words of one or
    two letters are left out when there are longer ones."""
    long_words = [w for w in words if len(w.text) >= 3] or words
    groups = []
    for word in long_words:
        best = sorted(word.alternatives, key=lambda w: -word.alternatives[w])[:4]
        group = [f" {w} " for w in best]
        if len(word.text) >= 3:
            group.append(word.text)
            if not word.text.isdigit():
                group += [f"{word.text[1:]} ", f"{word.text} "]
        groups.append(group)
    return groups


def _ordered(queryset: QuerySet[Person], ids: list[int]) -> QuerySet[Person]:
    if not ids:
        return queryset.none()
    order = Case(*[When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)],
                 output_field=IntegerField())
    return queryset.filter(pk__in=ids).order_by(order, "pk")


def _phone_holders(queryset: QuerySet[Person], number: str, want: int) -> list[int] | None:
    """The people of ``queryset`` with this whole phone number, or None if it is not
    a whole number (then its last four digits are searched)."""
    if len(number) < 10:
        return None
    try:
        e164 = normalize_phone(number, settings.PHONE_REGION)
    except NormalizationError:
        return None
    index = ContactPoint._meta.get_field("value").index_for(e164)  # type: ignore[attr-defined]
    holders = ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE, value_index=index)
    return list(queryset.filter(pk__in=holders.values("person_id"))
                .order_by("family_name", "given_name", "pk").values_list("pk", flat=True)
                [:want])


def _last_four_holders(queryset: QuerySet[Person], last_four: str, want: int) -> list[int]:
    from groundswell.people.services.records import last_four_index  # records imports search

    holders = ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE,
                                          last_four_index=last_four_index(last_four))
    return list(queryset.filter(pk__in=holders.values("person_id"))
                .order_by("family_name", "given_name", "pk").values_list("pk", flat=True)
                [:want])


def search_people(queryset: QuerySet[Person], query: str, *, limit: int | None = None
                  ) -> QuerySet[Person]:
    """People in ``queryset`` matching ``query``, best first: at most ``limit`` of them,
    and never more than ``MAX_RESULTS``. The queryset's own limits (organization scope,
    ``visible_to``, ``active()``, filters) always hold: candidates are taken from it
    (unsliced). The result is a queryset ordered by rank; an empty query returns the
    queryset unchanged."""
    want = max(1, min(limit or MAX_RESULTS, MAX_RESULTS))
    text = query[:100]
    number = digits(text) if _PHONE_LIKE.match(text) else ""
    if len(number) >= 4:
        # Phone digits are never in the text index: a whole number is found by its blind
        # index, anything else by the blind index of its last four digits.
        holders = _phone_holders(queryset, number, want)
        if holders is None:
            holders = _last_four_holders(queryset, number[-4:], want)
        return _ordered(queryset, holders)
    query_words = list(dict.fromkeys(search_words(text)))[:MAX_QUERY_WORDS]
    if not query_words:
        return queryset
    index = _Index(queryset)
    if index.vendor not in ("sqlite", "postgresql"):  # elsewhere: substrings, unranked
        condition = Q()
        for word in query_words:
            condition &= Q(search_text__icontains=word)
        return _ordered(queryset, list(queryset.filter(condition).values_list("pk", flat=True)
                                       [:want]))

    short = len("".join(query_words)) < 3  # "jo", "j", "a b": prefix matching only
    words = [_alternatives(index, word, prefix_only=short) for word in query_words]
    ranking = _Ranking(query_words)
    for score, groups in _combinations(words):
        # Stop when enough people are found that no later combination can outrank them.
        if ranking.count_at_least(score + NAME_BONUS) >= want \
                or index.queries >= MAX_INDEX_QUERIES:
            break
        ranking.add(index.candidates(groups, want))
    if not ranking.count_at_least(CONFIDENT):  # nothing convincing: substrings, word ends
        ranking.add(index.candidates(_fallback_groups(words), max(want, 50),
                                     whole_words=False))
    return _ordered(queryset, ranking.best(want, FALLBACK_MIN_SCORE))
