"""What the programs screens share: finding a program, enrollment or session the member may
see (404 otherwise, 403 for a child's details off the program's staff), and the searches
kept in the session (names never go in a URL)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
)
from django.shortcuts import get_object_or_404

from groundswell.core.views import membership_of
from groundswell.people.models import Person
from groundswell.people.search import search_people
from groundswell.programs import services
from groundswell.programs.forms import (
    SearchForm,
)
from groundswell.programs.models import (
    Enrollment,
    Program,
    Session,
)

SEARCH_RESULTS = 8


def _visible_program(request: HttpRequest, pk: int) -> Program:
    return get_object_or_404(Program.objects.visible_to(membership_of(request)), pk=pk)


def _team_program(request: HttpRequest, program: Program) -> Program:
    if not services.can_see_children(membership_of(request), program):
        raise PermissionDenied
    return program


def _enrollment(request: HttpRequest, pk: int) -> Enrollment:
    membership = membership_of(request)
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("program", "child").filter(
            program__in=Program.objects.visible_to(membership)), pk=pk)
    _team_program(request, enrollment.program)
    return enrollment


def _session(request: HttpRequest, pk: int) -> Session:
    membership = membership_of(request)
    session = get_object_or_404(Session.objects.select_related("program").filter(
        program__in=Program.objects.visible_to(membership)), pk=pk)
    _team_program(request, session.program)
    return session


def _searched(request: HttpRequest, key: str) -> str:
    return request.session.get(f"search:{key}", "")


def _remember(request: HttpRequest, key: str) -> str:
    form = SearchForm(request.POST)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    request.session[f"search:{key}"] = query
    return query


def _people_matching(request: HttpRequest, query: str) -> list[Person]:
    if not query:
        return []
    visible = Person.objects.visible_to(membership_of(request))
    found = search_people(visible, query, limit=SEARCH_RESULTS)
    return list(found.prefetch_related("residences__household__address")[:SEARCH_RESULTS])


def _with_address(people: list[Person]) -> list[dict[str, Any]]:
    rows = []
    for person in people:
        current = [r for r in person.residences.all() if r.ended_on is None]
        rows.append({"person": person,
                     "household": current[0].household if current else None})
    return rows
