"""Issue 18 at the door: a resident who could be one of two members of a household (a
son named after his father, on the family's phone) is never signed in as the other.
The kiosk asks one short question, the year of birth, in English or Spanish; the
public RSVP form adds the resident and sends the pair to review."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation
from django_scopes import scope, scopes_disabled

from groundswell.core.errors import InvalidInput
from groundswell.events import services
from groundswell.events.models import Attendance
from groundswell.people import services as people
from groundswell.people.models import DuplicateCandidate, Person
from groundswell.people.services.residents import BirthYearNeeded
from tests.conftest import login
from tests.events.helpers import make_event, resident

pytestmark = pytest.mark.django_db

ORG = "/o/front-street"
EVENTS = f"{ORG}/events/"


def family(actor, *, father_year=1968, son_year=1995):
    father = people.create_person(actor, given_name="José Luis", family_name="García López",
                                  birth_year=father_year, phone="215-555-0134",
                                  street="2417 N Front St")
    son = people.create_person(actor, given_name="José Luis", family_name="García López",
                               birth_year=son_year, phone="215-555-0134",
                               street="2417 N Front St")
    return father, son


def son_at_the_door(**fields):
    return resident(given_name="Jose Luis", family_name="Garcia", phone="(215) 555-0134",
                    **fields)


def test_the_kiosk_asks_the_year_of_birth_instead_of_guessing(in_org):
    organizer = in_org.member("organizer")
    father, son = family(organizer)
    staff = in_org.member("program_staff")
    kiosk = services.start_kiosk(staff, make_event(organizer, days=0), "2468")
    with pytest.raises(BirthYearNeeded) as asked:
        services.kiosk_quick_add(staff, kiosk, son_at_the_door())
    assert asked.value.field == "birth_year"
    assert Person.objects.count() == 2 and not Attendance.objects.exists()
    attendance, created = services.kiosk_quick_add(staff, kiosk,
                                                   son_at_the_door(birth_year=1995))
    assert attendance.person == son and not created
    attendance, created = services.kiosk_quick_add(staff, kiosk,
                                                   son_at_the_door(birth_year=1968))
    assert attendance.person == father and not created


def test_an_answer_that_settles_nothing_adds_the_resident_for_review(in_org):
    organizer = in_org.member("organizer")
    father = people.create_person(organizer, given_name="José Luis",
                                  family_name="García López", phone="215-555-0134",
                                  street="2417 N Front St")
    people.create_person(organizer, given_name="Rosa", family_name="López",
                         phone="215-555-0134", street="2417 N Front St")
    staff = in_org.member("program_staff")
    kiosk = services.start_kiosk(staff, make_event(organizer, days=0), "2468")
    with pytest.raises(BirthYearNeeded):
        services.kiosk_quick_add(staff, kiosk, son_at_the_door())
    # The father's year is not on record: the answer cannot tell them apart.
    attendance, created = services.kiosk_quick_add(staff, kiosk,
                                                   son_at_the_door(birth_year=1995))
    assert created and attendance.person != father
    assert attendance.person.birth_year == 1995
    pair = DuplicateCandidate.objects.get()
    assert {pair.first_id, pair.second_id} == {father.pk, attendance.person.pk}


def test_a_bad_year_is_refused_and_changes_nothing(in_org):
    organizer = in_org.member("organizer")
    family(organizer)
    staff = in_org.member("program_staff")
    kiosk = services.start_kiosk(staff, make_event(organizer, days=0), "2468")
    with pytest.raises(InvalidInput, match="year you were born"):
        services.kiosk_quick_add(staff, kiosk, son_at_the_door(birth_year=3000))
    assert Person.objects.count() == 2 and not Attendance.objects.exists()


def test_the_public_rsvp_never_picks_one_of_two_namesakes(in_org):
    organizer = in_org.member("organizer")
    father, son = family(organizer)
    rsvp = services.public_rsvp(make_event(organizer), son_at_the_door())
    assert rsvp.person not in (father, son)
    queued = {frozenset((c.first_id, c.second_id)) for c in DuplicateCandidate.objects.all()}
    assert frozenset((father.pk, rsvp.person.pk)) in queued


def test_a_personal_phone_still_finds_the_person(in_org):
    organizer = in_org.member("organizer")
    rosa = people.create_person(organizer, given_name="Rosa", family_name="Martínez",
                                phone="215-555-0142", street="2417 N Front St")
    people.create_person(organizer, given_name="Luis", family_name="Martínez",
                         phone="215-555-0150", street="2417 N Front St")
    staff = in_org.member("program_staff")
    kiosk = services.start_kiosk(staff, make_event(organizer, days=0), "2468")
    attendance, created = services.kiosk_quick_add(staff, kiosk, resident())
    assert attendance.person == rosa and not created


@pytest.mark.parametrize(("language", "question", "label"), [
    ("en", "Someone in your household has a name like yours. What year were you born?",
     "Year you were born"),
    ("es", "Alguien de su hogar tiene un nombre como el suyo. ¿En qué año nació?",
     "Año en que nació"),
])
def test_the_kiosk_question_in_both_languages(personas, language, question, label):
    with translation.override("en"):  # the requests switch it: put it back after
        _ask_through_the_kiosk(personas, language, question, label)


def _ask_through_the_kiosk(personas, language, question, label):
    with scope(organization=personas.org):
        organizer = personas.member("organizer")
        event = make_event(organizer, days=0)
        father, son = family(organizer)
    client = login(Client(raise_request_exception=False), personas.member("program_staff"))
    assert client.post(f"{EVENTS}{event.pk}/kiosk/",
                       {"pin": "2468", "pin_again": "2468"}).status_code == 302
    client.post("/language/", {"language": language, "next": f"{EVENTS}{event.pk}/kiosk/"})
    form = {"given_name": "Jose Luis", "family_name": "Garcia", "phone": "215 555 0134"}
    page = client.post(f"{EVENTS}{event.pk}/kiosk/add/", form)
    assert page.status_code == 400
    text = page.content.decode()
    assert question in text and label in text
    assert 'name="birth_year"' in text
    answered = client.post(f"{EVENTS}{event.pk}/kiosk/add/", form | {"birth_year": "1995"})
    assert answered.status_code == 302
    with scopes_disabled():
        assert Attendance.objects.get().person == son
        assert Person.objects.count() == 2
    # Before any doubt, the question is not on the page.
    assert 'name="birth_year"' not in client.get(f"{EVENTS}{event.pk}/kiosk/").content.decode()
