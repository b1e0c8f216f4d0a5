"""Writing the one record: people, households, contacts, consents, grievances, the
timeline and engagement. Every write goes through here (views, imports, canvassing,
events and SMS alike), in one transaction, permission-checked and audited.

``actor`` is the acting Membership, or None for the system acting on a resident's own
message (a STOP text, a public form) — then ``organization`` must be given.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from groundswell.core import audit
from groundswell.core.crypto import blind_index
from groundswell.core.errors import InvalidInput
from groundswell.core.models import Base, Membership, Organization
from groundswell.core.permissions import require
from groundswell.people import ladder
from groundswell.people.models import (
    Address,
    Assessment,
    Consent,
    ContactPoint,
    EngagementStage,
    Grievance,
    Household,
    Interaction,
    Person,
    Relationship,
    Residence,
    Tag,
)
from groundswell.people.normalize import (
    NormalizationError,
    clean_name,
    digits,
    normalize_email,
    normalize_phone,
    normalize_street_address,
    normalize_unit,
    phone_last_four,
)
from groundswell.people.search import compose_search_text


def _org(actor: Membership | None, organization: Organization | None) -> Organization:
    if actor is not None:
        return actor.organization
    if organization is None:
        raise ValueError("A system action must name its organization.")
    return organization


def _user(actor: Membership | None) -> Any:
    return actor.user if actor is not None else None


def phone_region() -> str:
    return settings.PHONE_REGION


# --- the ladder ------------------------------------------------------------------------------


def ensure_default_stages(org: Organization) -> list[EngagementStage]:
    stages = list(EngagementStage.objects.filter(organization=org))
    if stages:
        return stages
    # Named in the organization's language, whoever happens to trigger the creation;
    # admins rename them on the ladder page.
    with translation.override(org.default_language):
        names = {
            "contact": _("Contact"), "participant": _("Participant"),
            "supporter": _("Supporter"), "active": _("Active"), "leader": _("Leader"),
            "member": _("Member"),
        }
    for position, (key, rule) in enumerate(ladder.DEFAULT_LADDER, start=1):
        EngagementStage.objects.get_or_create(organization=org, position=position,
                                              defaults={"name": str(names[key]), "rule": rule})
    return list(EngagementStage.objects.filter(organization=org))


def _computed_stage(stages: list[EngagementStage], kinds: list[str]) -> EngagementStage | None:
    rungs = [ladder.Rung(stage.pk, stage.position, stage.rule) for stage in stages]
    reached = ladder.computed_stage(rungs, ladder.summarize(kinds))
    return next((s for s in stages if reached and s.pk == reached.key), None)


def recompute_stage(person: Person) -> EngagementStage | None:
    """Recompute the stage from the timeline. Never touches the human-set stage."""
    stages = ensure_default_stages(person.organization)
    kinds = list(person.interactions.values_list("kind", flat=True))
    stage = _computed_stage(stages, kinds)
    if person.computed_stage_id != (stage.pk if stage else None):
        person.computed_stage = stage
        person.save(update_fields=["computed_stage", "updated_at"])
    return stage


# --- places -------------------------------------------------------------------------------


def find_or_create_household(org: Organization, *, street: str, unit: str = "", city: str = "",
                             state: str = "", postal_code: str = "",
                             base: Base | None = None) -> Household:
    try:
        normalized = normalize_street_address(street, city, state, postal_code)
    except NormalizationError as exc:
        raise InvalidInput("street", _("We could not read that street address. Write the "
                                       "number and the street, like 2417 N Front St.")) \
            from exc
    try:
        unit = normalize_unit(unit) or normalized.unit
    except NormalizationError as exc:
        raise InvalidInput("unit", _("That unit is too long.")) from exc
    address, created = Address.objects.get_or_create(
        organization=org, street=normalized.street, city=normalized.city,
        postal_code=normalized.postal_code,
        defaults={"state": normalized.state, "base": base})
    if not created and base is not None and address.base_id is None:
        address.base = base
        address.save(update_fields=["base"])
    household, _created = Household.objects.get_or_create(organization=org, address=address,
                                                          unit=unit)
    return household


def current_residence(person: Person) -> Residence | None:
    return person.residences.filter(ended_on__isnull=True).select_related(
        "household__address").first()


# --- people -----------------------------------------------------------------------------------


def _clean_names(given_name: str, family_name: str, preferred_name: str) -> tuple[str, ...]:
    given, family, preferred = (clean_name(given_name), clean_name(family_name),
                                clean_name(preferred_name))
    if not given and not family:
        raise InvalidInput("given_name", _("A person needs at least a name."))
    for field, value in (("given_name", given), ("family_name", family),
                         ("preferred_name", preferred)):
        if len(value) > 100:
            raise InvalidInput(field, _("That name is too long (100 characters at most)."))
    return given or family, family if given else "", preferred


def refresh_search_text(person: Person) -> None:
    """What the search service indexes: folded names, street and unit. No phone digits
    and no email: those are found by blind index (whole number, or its last four)."""
    residence = current_residence(person)
    text = compose_search_text(
        given_name=person.given_name, family_name=person.family_name,
        preferred_name=person.preferred_name,
        street=residence.household.address.street if residence else "",
        unit=residence.household.unit if residence else "")
    if text != person.search_text:
        person.search_text = text
        person.save(update_fields=["search_text", "updated_at"])


def create_person(actor: Membership | None, *, given_name: str, family_name: str = "",
                  preferred_name: str = "", language: str = "", phone: str = "",
                  email: str = "", street: str = "", unit: str = "", city: str = "",
                  state: str = "", postal_code: str = "", base: Base | None = None,
                  birth_year: int | None = None, pronouns: str = "",
                  tags: Iterable[str] = (), moved_in_on: date | None = None,
                  organization: Organization | None = None,
                  capability: str = "people.edit") -> Person:
    """``actor`` None: a resident adding themself (a public RSVP form, a kiosk at the
    door); then ``organization`` must be given, and the area that calls this checks
    who may run that form. ``capability``: what the actor must be allowed, when an area
    adds people as part of its own work (program staff enrolling a child, or adding a
    household at the distribution table, without the right to edit people at large)."""
    if actor is not None:
        require(actor, capability)
    org = _org(actor, organization)
    given, family, preferred = _clean_names(given_name, family_name, preferred_name)
    if base is not None and base.organization_id != org.pk:
        raise InvalidInput("base", _("That base is not part of this organization."))
    phone_e164 = _parse_phone(phone) if phone.strip() else ""
    email_clean = _parse_email(email) if email.strip() else ""
    with transaction.atomic():
        household = None
        if street.strip():
            household = find_or_create_household(org, street=street, unit=unit, city=city,
                                                 state=state, postal_code=postal_code,
                                                 base=base)
        # The person goes in whole: the search text (as refresh_search_text writes it)
        # and the stage of an empty timeline (as recompute_stage would set it), so the
        # search index triggers run once, not again for an update.
        person = Person.objects.create(
            organization=org, given_name=given, family_name=family, preferred_name=preferred,
            language=language, base=base, birth_year=birth_year, pronouns=pronouns.strip(),
            created_by=_user(actor),
            search_text=compose_search_text(
                given_name=given, family_name=family, preferred_name=preferred,
                street=household.address.street if household else "",
                unit=household.unit if household else ""),
            computed_stage=_computed_stage(ensure_default_stages(org), []))
        if household is not None:
            Residence.objects.create(organization=org, person=person, household=household,
                                     started_on=moved_in_on)
        if phone_e164:
            _add_contact(org, person, ContactPoint.Kind.PHONE, phone_e164)
        if email_clean:
            _add_contact(org, person, ContactPoint.Kind.EMAIL, email_clean)
        for name in tags:
            _tag(org, person, name)
        audit.record("people.person.created", by=actor, organization=org, obj=person)
    return person


def update_person(actor: Membership, person: Person, **fields: Any) -> Person:
    require(actor, "people.edit")
    allowed = {"given_name", "family_name", "preferred_name", "language", "birth_year",
               "pronouns", "base"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    names = _clean_names(fields.get("given_name", person.given_name),
                         fields.get("family_name", person.family_name),
                         fields.get("preferred_name", person.preferred_name))
    fields.update(dict(zip(("given_name", "family_name", "preferred_name"), names,
                           strict=True)))
    base = fields.get("base")
    if base is not None and base.organization_id != person.organization_id:
        raise InvalidInput("base", _("That base is not part of this organization."))
    with transaction.atomic():
        changed = sorted(name for name, value in fields.items()
                         if getattr(person, name) != value)
        for name, value in fields.items():
            setattr(person, name, value)
        person.save()
        refresh_search_text(person)
        if changed:
            audit.record("people.person.updated", by=actor, obj=person, data={"fields": changed})
    return person


def move_person(actor: Membership, person: Person, *, street: str, unit: str = "",
                city: str = "", state: str = "", postal_code: str = "",
                moved_on: date | None = None) -> Residence:
    """Start a new residence; the old one ends (history is kept)."""
    require(actor, "people.edit")
    org = person.organization
    moved_on = moved_on or timezone.localdate()
    with transaction.atomic():
        household = find_or_create_household(org, street=street, unit=unit, city=city,
                                             state=state, postal_code=postal_code,
                                             base=person.base)
        current = current_residence(person)
        if current is not None:
            if current.household_id == household.pk:
                raise InvalidInput("street", _("They already live there."))
            if current.started_on and moved_on < current.started_on:
                raise InvalidInput("moved_on", _("The move is dated before they moved in "
                                                 "to their current home."))
            current.ended_on = moved_on
            current.save(update_fields=["ended_on"])
        residence = Residence.objects.create(organization=org, person=person,
                                             household=household, started_on=moved_on)
        refresh_search_text(person)
        audit.record("people.person.moved", by=actor, obj=person,
                     data={"from": current.household_id if current else None, "to": household.pk})
    return residence


def join_household(actor: Membership, person: Person, household: Household,
                   moved_on: date | None = None) -> Residence:
    address = household.address
    return move_person(actor, person, street=address.street, unit=household.unit,
                       city=address.city, state=address.state,
                       postal_code=address.postal_code, moved_on=moved_on)


# --- contacts -----------------------------------------------------------------------------------


def _parse_phone(raw: str) -> str:
    try:
        return normalize_phone(raw, phone_region())
    except NormalizationError as exc:
        raise InvalidInput("phone", _("That is not a phone number we can text or call. "
                                      "Check the digits and the area code.")) from exc


def _parse_email(raw: str) -> str:
    try:
        return normalize_email(raw)
    except NormalizationError as exc:
        raise InvalidInput("email", _("That is not an email address.")) from exc


def phone_index(e164: str) -> str:
    return ContactPoint._meta.get_field("value").index_for(e164)


def last_four_index(last_four: str) -> str:
    return blind_index(last_four, purpose="people.contactpoint.last_four")


def _add_contact(org: Organization, person: Person, kind: str, value: str,
                 sms_capable: bool = True) -> ContactPoint:
    primary = not person.contacts.filter(kind=kind).exists()
    contact = ContactPoint(organization=org, person=person, kind=kind, value=value,
                           sms_capable=sms_capable and kind == ContactPoint.Kind.PHONE,
                           is_primary=primary)
    if kind == ContactPoint.Kind.PHONE:
        contact.last_four_index = last_four_index(phone_last_four(value))
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        raise InvalidInput(kind, _("They already have that contact.")) from None
    return contact


def add_contact(actor: Membership, person: Person, *, kind: str, value: str,
                sms_capable: bool = True) -> ContactPoint:
    require(actor, "people.edit")
    if kind == ContactPoint.Kind.PHONE:
        value = _parse_phone(value)
    elif kind == ContactPoint.Kind.EMAIL:
        value = _parse_email(value)
    else:
        raise InvalidInput("kind", _("Choose phone or email."))
    with transaction.atomic():
        contact = _add_contact(person.organization, person, kind, value, sms_capable)
        refresh_search_text(person)
        audit.record("people.contact.added", by=actor, obj=contact, data={"kind": kind})
    return contact


def reveal_phone(actor: Membership, contact: ContactPoint) -> str:
    """The full number, for a role that may see it; every reveal is audited."""
    require(actor, "people.reveal_phone")
    with transaction.atomic():
        audit.record("people.contact.revealed", by=actor, obj=contact,
                     data={"person": contact.person_id})
    return contact.value


def people_with_phone(org: Organization, raw: str) -> list[Person]:
    """Exact lookup by full number (blind index) or by its last four digits."""
    text = digits(raw)
    if len(text) == 4:
        contacts = ContactPoint.objects.filter(organization=org,
                                               last_four_index=last_four_index(text))
    else:
        try:
            e164 = normalize_phone(raw, phone_region())
        except NormalizationError:
            return []
        contacts = ContactPoint.objects.filter(organization=org, value_index=phone_index(e164))
    ids = contacts.values_list("person_id", flat=True)
    return list(Person.objects.active().filter(pk__in=ids))


# --- consent --------------------------------------------------------------------------------------


def record_consent(actor: Membership | None, person: Person, *, channel: str, purpose: str,
                   source: str, wording: str = "",
                   organization: Organization | None = None) -> Consent:
    if actor is not None:
        require(actor, "people.edit")
    return _save_consent(actor, person, channel=channel, purpose=purpose, source=source,
                         wording=wording, org=_org(actor, organization))


def _save_consent(actor: Membership | None, person: Person, *, channel: str, purpose: str,
                  source: str, wording: str, org: Organization) -> Consent:
    if channel not in Consent.Channel.values or purpose not in Consent.Purpose.values \
            or source not in Consent.Source.values:
        raise InvalidInput("consent", _("Choose a listed channel, purpose and source."))
    with transaction.atomic():
        consent, created = Consent.objects.get_or_create(
            organization=org, person=person, channel=channel, purpose=purpose,
            defaults={"source": source, "wording": wording, "recorded_by": _user(actor)})
        if not created:
            consent.source, consent.wording = source, wording
            consent.granted_at, consent.withdrawn_at = timezone.now(), None
            consent.recorded_by = _user(actor)
            consent.save()
        audit.record("people.consent.granted", by=actor, organization=org, obj=consent,
                     data={"person": person.pk, "channel": channel, "purpose": purpose,
                           "source": source})
    return consent


def withdraw_consent(actor: Membership | None, person: Person, *, channel: str,
                     purpose: str | None = None,
                     organization: Organization | None = None) -> int:
    """Withdraw consent for one purpose, or for every purpose on a channel (STOP)."""
    if actor is not None:
        require(actor, "people.edit")
    org = _org(actor, organization)
    with transaction.atomic():
        qs = Consent.objects.filter(organization=org, person=person, channel=channel,
                                    withdrawn_at__isnull=True)
        if purpose:
            qs = qs.filter(purpose=purpose)
        withdrawn = 0
        for consent in qs:
            consent.withdrawn_at = timezone.now()
            consent.save(update_fields=["withdrawn_at"])
            withdrawn += 1
            audit.record("people.consent.withdrawn", by=actor, organization=org, obj=consent,
                         data={"person": person.pk, "channel": channel, "purpose": consent.purpose})
    return withdrawn


# --- grievances, relationships, tags ---------------------------------------------------------


def record_grievance(actor: Membership, person: Person, *, category: str, text: str = "",
                     raised_on: date | None = None) -> Grievance:
    require(actor, "people.edit")
    return _save_grievance(actor, person, category=category, text=text, raised_on=raised_on)


def _save_grievance(actor: Membership, person: Person, *, category: str, text: str,
                    raised_on: date | None) -> Grievance:
    if category not in Grievance.Category.values:
        raise InvalidInput("category", _("Choose a category."))
    if len(text) > 5000:
        raise InvalidInput("text", _("That is too long (5,000 characters at most)."))
    with transaction.atomic():
        grievance = Grievance.objects.create(
            organization=person.organization, person=person, category=category,
            text=text.strip(), raised_on=raised_on or timezone.localdate(),
            recorded_by=actor.user)
        audit.record("people.grievance.recorded", by=actor, obj=grievance,
                     data={"person": person.pk, "category": category})
    return grievance


def add_relationship(actor: Membership, person: Person, other: Person, kind: str, *,
                     capability: str = "people.edit") -> Relationship:
    """``capability``: as for create_person."""
    require(actor, capability)
    if person.pk == other.pk:
        raise InvalidInput("other", _("A person cannot be related to themself."))
    if other.organization_id != person.organization_id:
        raise InvalidInput("other", _("That person is not part of this organization."))
    if kind not in Relationship.Kind.values:
        raise InvalidInput("kind", _("Choose a relationship."))
    with transaction.atomic():
        relationship, created = Relationship.objects.get_or_create(
            organization=person.organization, person=person, other=other, kind=kind)
        if created:
            audit.record("people.relationship.added", by=actor, obj=relationship,
                         data={"person": person.pk, "other": other.pk, "kind": kind})
            if kind == Relationship.Kind.BROUGHT_BY:
                record_interaction(actor, other, kind=Interaction.Kind.BROUGHT,
                                   source=("people.person", str(person.pk)))
    return relationship


def _tag(org: Organization, person: Person, name: str) -> Tag:
    name = clean_name(name)[:60]
    if not name:
        raise InvalidInput("tag", _("A tag needs a name."))
    tag, _created = Tag.objects.get_or_create(organization=org, name=name)
    person.tags.add(tag)
    return tag


def tag_people(actor: Membership, people: Iterable[Person], name: str) -> int:
    require(actor, "people.edit")
    return _tag_people(actor, people, name)


def _tag_people(actor: Membership, people: Iterable[Person], name: str) -> int:
    people = list(people)
    with transaction.atomic():
        for person in people:
            if person.organization_id != actor.organization_id:
                raise InvalidInput("people", _("Someone on that list is not part of this "
                                               "organization."))
            tag = _tag(actor.organization, person, name)
        if people:
            audit.record("people.person.tagged", by=actor, obj=tag, data={"count": len(people)})
    return len(people)


# --- the timeline and engagement ---------------------------------------------------------------


def record_interaction(actor: Membership | None, person: Person, *, kind: str,
                       occurred_at: datetime | None = None, summary: str = "",
                       source: tuple[str, str] | None = None,
                       organization: Organization | None = None) -> Interaction:
    """The one way anything lands on a person's timeline (door visits, attendance,
    services, texts, notes). Updates last contact and the computed stage."""
    if actor is not None and kind == Interaction.Kind.NOTE:
        require(actor, "people.edit")  # other kinds are checked by the area recording them
    org = _org(actor, organization)
    if kind not in Interaction.Kind.values:
        raise InvalidInput("kind", _("Choose what happened."))
    if len(summary) > 10000:
        raise InvalidInput("summary", _("That is too long (10,000 characters at most)."))
    occurred_at = occurred_at or timezone.now()
    if occurred_at > timezone.now() + timezone.timedelta(minutes=5):
        raise InvalidInput("occurred_at", _("That date is in the future."))
    with transaction.atomic():
        interaction = Interaction.objects.create(
            organization=org, person=person, kind=kind, occurred_at=occurred_at,
            summary=summary.strip(), recorded_by=_user(actor),
            source_type=source[0] if source else "", source_id=source[1] if source else "")
        if person.last_contact_at is None or occurred_at > person.last_contact_at:
            person.last_contact_at = occurred_at
            person.save(update_fields=["last_contact_at", "updated_at"])
        recompute_stage(person)
    return interaction


def withdraw_interaction(person: Person, source: tuple[str, str]) -> int:
    """Take off a person's timeline what an area put there, when that area undoes the
    record it came from (a service entered by mistake); last contact and the computed
    stage follow. The area checks its own permission and audits. Returns how many
    entries went."""
    with transaction.atomic():
        deleted, _rows = Interaction.objects.filter(
            person=person, source_type=source[0], source_id=source[1]).delete()
        if deleted:
            latest = person.interactions.order_by("-occurred_at").values_list(
                "occurred_at", flat=True).first()
            person.last_contact_at = latest
            person.save(update_fields=["last_contact_at", "updated_at"])
            recompute_stage(person)
    return deleted


def set_stage(actor: Membership, person: Person, stage: EngagementStage | None) -> Person:
    """An organizer's judgement of the stage; None goes back to the computed one."""
    require(actor, "people.edit")
    if stage is not None and stage.organization_id != person.organization_id:
        raise InvalidInput("stage", _("Choose one of this organization's stages."))
    with transaction.atomic():
        person.stage = stage
        person.save(update_fields=["stage", "updated_at"])
        audit.record("people.assessment.recorded", by=actor, obj=person,
                     data={"stage": stage.pk if stage else None})
    return person


def rate_engagement(actor: Membership, person: Person, *, level: int,
                    reason: str = "") -> Assessment:
    require(actor, "people.edit")
    return _save_assessment(actor, person, level=level, reason=reason)


def _save_assessment(actor: Membership, person: Person, *, level: int,
                     reason: str) -> Assessment:
    if not isinstance(level, int) or not 1 <= level <= 5:
        raise InvalidInput("level", _("Choose a level from 1 to 5."))
    with transaction.atomic():
        assessment = Assessment.objects.create(
            organization=person.organization, person=person, level=level,
            assessed_by=actor.user, reason=reason.strip()[:200])
        audit.record("people.assessment.recorded", by=actor, obj=assessment,
                     data={"person": person.pk, "level": level})
    return assessment


def engagement_summary(person: Person) -> dict[str, Any]:
    """The human rating (latest), the computed suggestion beside it, and which stage
    applies, with where it came from — for the person page."""
    stages = ensure_default_stages(person.organization)
    rungs = [ladder.Rung(stage.pk, stage.position, stage.rule) for stage in stages]
    kinds = list(person.interactions.values_list("kind", flat=True))
    reached = ladder.computed_stage(rungs, ladder.summarize(kinds))
    human = person.assessments.filter(computed=False).first()
    return {
        "stage": person.current_stage,
        "stage_is_human": person.stage_id is not None,
        "computed_stage": person.computed_stage,
        "human_level": human,
        "suggested_level": ladder.suggested_level(rungs, reached),
        "counts": ladder.summarize(kinds),
    }


__all__ = [
    "add_contact", "add_relationship", "create_person", "current_residence",
    "engagement_summary", "ensure_default_stages", "find_or_create_household",
    "join_household", "move_person", "people_with_phone", "rate_engagement",
    "recompute_stage", "record_consent", "record_grievance", "record_interaction",
    "refresh_search_text", "reveal_phone", "set_stage", "tag_people", "update_person",
    "withdraw_consent", "withdraw_interaction",
]
