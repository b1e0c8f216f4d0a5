"""The one search service for people: typo- and accent-tolerant lookup by name,
street and phone digits. Views, the API, the kiosk and imports all call
``search_people``; how it is answered (SQLite FTS5 trigram, PostgreSQL pg_trgm) is
this module's business.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from groundswell.people.models import Person
from groundswell.people.normalize import digits, fold


def search_people(queryset: QuerySet[Person], query: str, *, limit: int | None = None
                  ) -> QuerySet[Person]:
    """People in ``queryset`` matching ``query``, best first."""
    text = fold(query)[:100]
    if not text:
        return queryset
    condition = Q()
    for word in text.split():
        condition &= Q(search_text__icontains=word)
    number = digits(query)
    if len(number) >= 4:
        condition |= Q(search_text__icontains=number[-4:])
    qs = queryset.filter(condition)
    return qs[:limit] if limit else qs
