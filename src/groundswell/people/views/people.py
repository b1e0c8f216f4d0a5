"""The people screens: the list (search, filters, saved lists, bulk tag), the person
page and its small forms, the household page, quick-add with a duplicate warning, and
revealing a phone number.

Thin: each view parses with a form from ``people.forms``, calls one service and
renders. Names never go in a URL: the search box is posted and remembered in the
session, filters are ids and codes, and the duplicate check is a POST.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from groundswell.core.errors import DomainError
from groundswell.core.models import Membership
from groundswell.core.permissions import can
from groundswell.core.views import get_only, membership_of, org_slug_of, org_view, remembered_search
from groundswell.people import services
from groundswell.people.filters import list_filter_keys
from groundswell.people.forms import (
    BulkTagForm,
    ConsentForm,
    ContactForm,
    DuplicateCheckForm,
    GrievanceForm,
    MoveForm,
    NoteForm,
    PeopleFilterForm,
    PersonEditForm,
    QuickAddForm,
    RateForm,
    RelationshipForm,
    RelationshipSearchForm,
    SaveListForm,
    StageForm,
    WithdrawConsentForm,
    add_service_error,
    rapid_response_wording,
)
from groundswell.people.models import (
    ContactPoint,
    Household,
    Interaction,
    Person,
    Relationship,
    Residence,
    SavedList,
    Tag,
)
from groundswell.people.normalize import digits, format_phone, mask_phone
from groundswell.people.search import search_people
from groundswell.people.timeline import with_links

PAGE_SIZE = 50
TIMELINE_PAGE_SIZE = 20
MATCHES_SHOWN = 5


def _filter_query(data: QueryDict, *, page: bool = False) -> str:
    """The list's filters (ids and codes) as a query string; nothing else is kept."""
    query = QueryDict(mutable=True)
    for key in (*list_filter_keys(), "page") if page else list_filter_keys():
        value = data.get(key, "")
        if value and len(value) <= 40:
            query[key] = value
    return query.urlencode()


def _with_current_residence(qs: QuerySet[Person]) -> QuerySet[Person]:
    return qs.select_related("stage", "computed_stage").prefetch_related(
        "tags", Prefetch("residences", to_attr="current_residences",
                         queryset=Residence.objects.filter(ended_on__isnull=True)
                         .select_related("household__address")))


# --- the people list ------------------------------------------------------------------------


def _list_page(request: HttpRequest, *, data: QueryDict | dict[str, str], query: str,
               saved: SavedList | None = None) -> HttpResponse:
    membership = membership_of(request)
    filtered = any(data.get(key) for key in list_filter_keys())
    form = PeopleFilterForm(data if filtered else None, membership=membership)
    people = Person.objects.visible_to(membership)
    invalid = filtered and not form.is_valid()
    if invalid:
        people = people.none()
    elif filtered:
        people = form.apply(people)
    if query:
        people = search_people(people, query)
    page = Paginator(_with_current_residence(people), PAGE_SIZE).get_page(
        request.GET.get("page"))
    filters_query = _filter_query(data) if filtered and not invalid else ""
    can_edit = can(membership, "people.edit")
    chips = _filter_chips(request, form) if filtered and not invalid and saved is None else []
    context = {
        "form": form, "page": page, "query": query, "saved": saved,
        "invalid": invalid, "filtered": filtered and not invalid,
        "filters_query": filters_query,
        "page_query": filters_query if saved is None else "",
        "saved_filters": form.raw_filters() if filtered and not invalid else {},
        "saved_lists": SavedList.objects.all()[:100],
        "tags": Tag.objects.all()[:300] if can_edit else [],
        "bulk_form": BulkTagForm(), "save_form": SaveListForm(),
        "next": request.get_full_path(), "chips": chips,
    }
    return render(request, "people/list.html", context, status=400 if invalid else 200)


def _filter_chips(request: HttpRequest, form: PeopleFilterForm) -> list[dict[str, str]]:
    """Each active filter as a chip beside the search: what it is, and the list without
    it (the search stays, it is in the session)."""
    chips = []
    people_url = reverse("people", args=[org_slug_of(request)])
    for key in list_filter_keys():
        value = form.cleaned_data.get(key)
        if not value:
            continue
        field = form.fields[key]
        if isinstance(field, django_forms.ModelChoiceField):
            shown = str(value)
        elif isinstance(field, django_forms.ChoiceField):
            shown = str(dict(field.choices).get(value, value))
        else:
            shown = date_format(value, "SHORT_DATE_FORMAT")
        rest = QueryDict(mutable=True)
        rest.update({k: v for k, v in form.raw_filters().items() if k != key})
        without = rest.urlencode()
        chips.append({"label": str(field.label), "value": shown,
                      "url": people_url + (f"?{without}" if without else "")})
    return chips


@org_view("people.view")
@require_http_methods(["GET", "POST"])
def people_list(request: HttpRequest) -> HttpResponse:
    query, redirect_after_search = remembered_search(request, "people")
    if redirect_after_search:
        # Keep the filters (ids and codes) the search was made under.
        filters = _filter_query(request.GET)
        return HttpResponseRedirect(request.path + (f"?{filters}" if filters else ""))
    return _list_page(request, data=request.GET, query=query)


@org_view("people.view")
def saved_list(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedList, pk=pk)
    if (refused := get_only(request)) is not None:
        return refused
    return _list_page(request, data=saved.filters, query="", saved=saved)


def _back_to_list(request: HttpRequest) -> str:
    """Where a form on the list page returns: the list it was sent from (its path and
    filters), never anywhere else."""
    people_url = reverse("people", args=[org_slug_of(request)])
    target = request.POST.get("next", "")
    path_part, _sep, query = target.partition("?")
    if path_part == people_url:
        query = _filter_query(QueryDict(query), page=True)
        return people_url + (f"?{query}" if query else "")
    saved = re.fullmatch(re.escape(people_url) + r"lists/(\d{1,12})/", path_part)
    if saved:
        return reverse("saved_list", args=[org_slug_of(request), int(saved.group(1))])
    return people_url


@org_view("people.edit")
@require_POST
def people_tag(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    form = BulkTagForm(request.POST)
    back = _back_to_list(request)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    ids = form.cleaned_data["people"]
    people = list(Person.objects.visible_to(membership).filter(pk__in=ids))
    if len(people) != len(ids):
        messages.error(request, _("Someone you ticked is no longer on the list. Nobody was "
                                  "tagged; please try again."))
        return redirect(back)
    try:
        count = services.tag_people(membership, people, form.cleaned_data["tag"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Tagged %(count)s people “%(tag)s”.")
                         % {"count": count, "tag": form.cleaned_data["tag"].strip()})
    return redirect(back)


@org_view("people.edit")
@require_POST
def list_save(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    form = SaveListForm(request.POST)
    filters = PeopleFilterForm(request.POST, membership=membership)
    back = _back_to_list(request)
    if not form.is_valid():
        messages.error(request, _("Give the list a name (100 characters at most)."))
        return redirect(back)
    if not filters.is_valid() or not filters.raw_filters():
        messages.error(request, _("Choose some filters first: a saved list keeps filters, "
                                  "not a search."))
        return redirect(back)
    try:
        saved = services.save_list(membership, name=form.cleaned_data["name"],
                                   filters=filters.raw_filters())
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, _("List “%(name)s” saved.") % {"name": saved.name})
    return redirect("saved_list", org_slug=org_slug_of(request), pk=saved.pk)


# --- quick-add ---------------------------------------------------------------------------------


@org_view("people.edit")
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request)
    form = QuickAddForm(request.POST or None, membership=membership,
                        check_url=reverse("person_duplicate_check", args=[org_slug_of(request)]))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # The person and their consent are one record: both or neither.
            with transaction.atomic():
                person = services.create_person(
                    membership, given_name=data["given_name"], family_name=data["family_name"],
                    phone=data["phone"], street=data["street"], unit=data["unit"],
                    language=data["language"], base=data["base"], tags=data["tags"])
                if data["rapid_response"]:
                    services.record_consent(
                        membership, person, channel="sms", purpose="rapid_response",
                        source=data["consent_source"], wording=form.wording())
        except DomainError as exc:
            add_service_error(form, getattr(exc, "field", ""), exc.message)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": person})
            return redirect("person", org_slug=org_slug_of(request), pk=person.pk)
    return render(request, "people/create.html", {
        "form": form, "tags": Tag.objects.all()[:300],
        "wordings": [("es", "Español", rapid_response_wording("es")),
                     ("en", "English", rapid_response_wording("en"))],
    }, status=400 if request.method == "POST" else 200)


@org_view("people.edit")
@require_POST
def duplicate_check(request: HttpRequest) -> HttpResponse:
    """The "maybe they are already here" fragment under the quick-add form."""
    membership = membership_of(request)
    form = DuplicateCheckForm(request.POST)
    matches: list[Person] = []
    if form.is_valid():
        visible = Person.objects.visible_to(membership)
        name = f"{form.cleaned_data['given_name']} {form.cleaned_data['family_name']}".strip()
        phone = form.cleaned_data["phone"]
        if len(digits(phone)) >= 10:  # a whole number, not the last four of a half-typed one
            ids = [p.pk for p in services.people_with_phone(request.organization,  # type: ignore
                                                             phone)]
            matches += list(_with_current_residence(visible.filter(pk__in=ids)))
        if len(name) >= 2:
            seen = {p.pk for p in matches}
            found = _with_current_residence(search_people(visible, name))[:MATCHES_SHOWN]
            matches += [p for p in found if p.pk not in seen]
    response = render(request, "people/_matches.html",
                      {"matches": matches[:MATCHES_SHOWN * 2]})
    response["Cache-Control"] = "no-store"
    return response


# --- the person page -----------------------------------------------------------------------------


def _person(request: HttpRequest, pk: int) -> Person:
    return get_object_or_404(Person.objects.visible_to(membership_of(request)), pk=pk)


def _masked_email(value: str) -> str:
    local, _sep, domain = value.partition("@")
    return f"{local[:1]}•••@{domain}"


def _person_page(request: HttpRequest, person: Person, *,
                 bound: dict[str, django_forms.Form] | None = None, status: int = 200,
                 revealed: dict[int, str] | None = None,
                 relationship_results: list[Person] | None = None,
                 relationship_query: str = "") -> HttpResponse:
    membership = membership_of(request)
    revealed = revealed or {}
    visible = Person.objects.visible_to(membership)
    may_reveal = can(membership, "people.reveal_phone")
    contacts = []
    for contact in person.contacts.order_by("kind", "-is_primary", "pk"):
        is_phone = contact.kind == ContactPoint.Kind.PHONE
        if is_phone:
            shown = format_phone(revealed[contact.pk]) if contact.pk in revealed \
                else mask_phone(contact.value)
        else:
            shown = contact.value if may_reveal else _masked_email(contact.value)
        contacts.append({"contact": contact, "is_phone": is_phone, "shown": shown,
                         "revealed": contact.pk in revealed,
                         "tel": revealed.get(contact.pk, "")})
    relationships = [
        {"subject": person, "kind": rel.get_kind_display(), "object": rel.other}
        for rel in person.relationships.filter(other__in=visible).select_related("other")
    ] + [
        {"subject": rel.person, "kind": rel.get_kind_display(), "object": person}
        for rel in Relationship.objects.filter(other=person, person__in=visible)
        .select_related("person")
    ]
    residence = services.current_residence(person)
    timeline = Paginator(person.interactions.select_related("recorded_by"),
                         TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    timeline.object_list = with_links(membership, timeline.object_list)
    forms: dict[str, django_forms.Form] = {
        "note": NoteForm(), "contact": ContactForm(), "consent": ConsentForm(),
        "grievance": GrievanceForm(),
        "relationship": RelationshipForm(membership=membership, person=person),
        "move": MoveForm(), "stage": StageForm(initial={"stage": person.stage_id}),
        "rate": RateForm(), "withdraw": WithdrawConsentForm(),
        "edit": PersonEditForm(membership=membership, initial={
            "given_name": person.given_name, "family_name": person.family_name,
            "preferred_name": person.preferred_name, "language": person.language,
            "base": person.base_id}),
    }
    forms.update(bound or {})
    return render(request, "people/person.html", {
        "person": person,
        "summary": services.engagement_summary(person),
        "residence": residence,
        "past_residences": person.residences.filter(ended_on__isnull=False)
        .select_related("household__address"),
        "relationships": relationships,
        "contacts": contacts,
        "consents": person.consents.order_by("withdrawn_at", "-granted_at"),
        "grievances": person.grievances.all(),
        "tags": person.tags.all(),
        "timeline": timeline,
        "forms": forms,
        "open_form": next(iter(bound), "") if bound else "",
        "relationship_results": relationship_results,
        "relationship_query": relationship_query,
        "may_reveal": may_reveal,
    }, status=status)


def _redirect_after_merge(request: HttpRequest, pk: int) -> HttpResponse | None:
    """An old link to someone merged into another record leads to the kept record."""
    visible = Person.objects.visible_to(membership_of(request))
    person = Person.objects.filter(pk=pk, merged_into__isnull=False).first()
    for _hop in range(5):
        if person is None or person.merged_into_id is None:
            return None
        kept = visible.filter(pk=person.merged_into_id).first()
        if kept is not None:
            return redirect("person", org_slug=org_slug_of(request), pk=kept.pk)
        person = Person.objects.filter(pk=person.merged_into_id).first()
    return None


@org_view("people.view")
def person_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = Person.objects.visible_to(membership_of(request)).filter(pk=pk).first()
    if person is None:
        moved = _redirect_after_merge(request, pk)
        if moved is not None:
            return moved
        person = _person(request, pk)  # 404
    if (refused := get_only(request)) is not None:
        return refused
    return _person_page(request, person)


Action = Callable[[Membership, Person, dict[str, Any]], object]


def _person_form(request: HttpRequest, pk: int, key: str,
                 make_form: Callable[[Person], django_forms.Form], action: Action,
                 success: str) -> HttpResponse:
    """One small form of the person page: on success back to the page with a message;
    on bad input the page again, with this form's errors, and nothing changed."""
    person = _person(request, pk)
    form = make_form(person)
    if form.is_valid():
        try:
            action(membership_of(request), person, form.cleaned_data)
        except DomainError as exc:
            add_service_error(form, getattr(exc, "field", ""), exc.message)
        else:
            messages.success(request, success)
            return redirect(reverse("person", args=[org_slug_of(request), person.pk])
                            + f"#{key}")
    person.refresh_from_db()
    return _person_page(request, person, bound={key: form}, status=400)


@org_view("people.edit")
@require_POST
def person_note(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_form(
        request, pk, "note", lambda p: NoteForm(request.POST),
        lambda m, p, d: services.record_interaction(m, p, kind=Interaction.Kind.NOTE,
                                                    summary=d["summary"]),
        _("Note added."))


@org_view("people.edit")
@require_POST
def person_contact(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_form(
        request, pk, "contact", lambda p: ContactForm(request.POST),
        lambda m, p, d: services.add_contact(m, p, kind=d["kind"], value=d["value"],
                                             sms_capable=d["sms_capable"]),
        _("Contact added."))


@org_view("people.edit")
@require_POST
def person_consent(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_form(
        request, pk, "consent", lambda p: ConsentForm(request.POST),
        lambda m, p, d: services.record_consent(m, p, channel=d["channel"],
                                                purpose=d["purpose"], source=d["source"],
                                                wording=d["wording"]),
        _("Consent recorded."))


def _withdraw(membership: Membership, person: Person, data: dict[str, Any]) -> int:
    withdrawn = services.withdraw_consent(membership, person, channel=data["channel"],
                                          purpose=data["purpose"])
    if not withdrawn:
        raise DomainError(_("There was no consent to withdraw: it had already been "
                            "withdrawn."))
    return withdrawn


@org_view("people.edit")
@require_POST
def person_consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_form(request, pk, "withdraw", lambda p: WithdrawConsentForm(request.POST),
                        _withdraw, _("Consent withdrawn."))


@org_view("people.edit")
@require_POST
def person_grievance(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_form(
        request, pk, "grievance", lambda p: GrievanceForm(request.POST),
        lambda m, p, d: services.record_grievance(m, p, category=d["category"],
                                                  text=d["text"], raised_on=d["raised_on"]),
        _("Grievance recorded."))


@org_view("people.edit")
@require_POST
def person_relationship(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_of(request)
    return _person_form(
        request, pk, "relationship",
        lambda p: RelationshipForm(request.POST, membership=membership, person=p),
        lambda m, p, d: services.add_relationship(m, p, d["other"], d["kind"]),
        _("Relationship added."))


@org_view("people.edit")
@require_POST
def person_relationship_search(request: HttpRequest, pk: int) -> HttpResponse:
    """Find the other person of a relationship by name (posted, never in a URL). With
    htmx, the list of choices alone; without, the person page showing them."""
    person = _person(request, pk)
    form = RelationshipSearchForm(request.POST)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    results: list[Person] = []
    if query:
        visible = Person.objects.visible_to(membership_of(request)).exclude(pk=person.pk)
        results = list(_with_current_residence(search_people(visible, query))[:10])
    if request.htmx:  # type: ignore[attr-defined]
        response = render(request, "people/_relationship_results.html",
                          {"results": results, "query": query})
        response["Cache-Control"] = "no-store"
        return response
    return _person_page(request, person, relationship_results=results,
                        relationship_query=query)


@org_view("people.edit")
@require_POST
def person_move(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_form(
        request, pk, "move", lambda p: MoveForm(request.POST),
        lambda m, p, d: services.move_person(
            m, p, street=d["street"], unit=d["unit"], city=d["city"], state=d["state"],
            postal_code=d["postal_code"], moved_on=d["moved_on"]),
        _("New address saved; the old one is kept in their history."))


@org_view("people.edit")
@require_POST
def person_stage(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_form(
        request, pk, "stage", lambda p: StageForm(request.POST),
        lambda m, p, d: services.set_stage(m, p, d["stage"]),
        _("Stage saved."))


@org_view("people.edit")
@require_POST
def person_rate(request: HttpRequest, pk: int) -> HttpResponse:
    return _person_form(
        request, pk, "rate", lambda p: RateForm(request.POST),
        lambda m, p, d: services.rate_engagement(m, p, level=d["level"], reason=d["reason"]),
        _("Rating saved."))


@org_view("people.edit")
@require_POST
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_of(request)
    return _person_form(
        request, pk, "edit", lambda p: PersonEditForm(request.POST, membership=membership),
        lambda m, p, d: services.update_person(m, p, **d),
        _("Saved."))


@org_view("people.reveal_phone")
@require_POST
@never_cache
def contact_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full number in place of the masked one; every reveal is audited by the
    service."""
    membership = membership_of(request)
    contact = get_object_or_404(
        ContactPoint.objects.select_related("person"), pk=pk, kind=ContactPoint.Kind.PHONE,
        person__in=Person.objects.visible_to(membership))
    value = services.reveal_phone(membership, contact)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "people/_phone.html", {
            "row": {"contact": contact, "is_phone": True, "shown": format_phone(value),
                    "revealed": True, "tel": value}})
    return _person_page(request, contact.person, revealed={contact.pk: value})


# --- households --------------------------------------------------------------------------------


def _visible_households(membership: Membership) -> QuerySet[Household]:
    """A member limited to some bases sees the households of those bases, those not in
    any base, and those where someone they can see lives or lived."""
    limited = list(membership.bases.values_list("pk", flat=True))
    qs = Household.objects.select_related("address")
    if limited:
        qs = qs.filter(Q(address__base__in=limited) | Q(address__base__isnull=True)
                       | Q(residences__person__in=Person.objects.visible_to(membership))
                       ).distinct()
    return qs


@org_view("people.view")
def household(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_of(request)
    home = get_object_or_404(_visible_households(membership), pk=pk)
    if (refused := get_only(request)) is not None:
        return refused
    residences = home.residences.filter(
        person__in=Person.objects.visible_to(membership)).select_related("person")
    current = [r for r in residences if r.ended_on is None]
    past = [r for r in residences if r.ended_on is not None]
    neighbors = _visible_households(membership).filter(address=home.address).exclude(
        pk=home.pk).order_by("unit")
    return render(request, "people/household.html", {
        "household": home, "current": current, "past": past, "neighbors": neighbors,
    })
