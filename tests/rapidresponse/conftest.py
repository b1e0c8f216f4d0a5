from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django_scopes import scope

from groundswell.messaging.testing import OUR_NUMBER, sms_gateway, sms_live  # noqa: F401
from groundswell.people import services as people
from groundswell.people.models import Address
from groundswell.rapidresponse import services
from groundswell.rapidresponse.models import Network, Subscriber

# A small square "zone" around the centre and points at known distances (about 111 m
# per 0.001 degree of latitude).
CENTER = (39.9900, -75.1300)
ZONE = {"type": "Polygon", "coordinates": [[
    [-75.1330, 39.9870], [-75.1270, 39.9870], [-75.1270, 39.9930], [-75.1330, 39.9930],
    [-75.1330, 39.9870]]]}
BOW_TIE = {"type": "Polygon", "coordinates": [[
    [-75.1330, 39.9870], [-75.1270, 39.9930], [-75.1270, 39.9870], [-75.1330, 39.9930],
    [-75.1330, 39.9870]]]}


@dataclass
class World:
    org: object
    admin: object
    dispatcher: object
    network: Network
    zone: object
    people: dict = field(default_factory=dict)
    phones: dict = field(default_factory=dict)

    def subscriber(self, name: str) -> Subscriber:
        return Subscriber.objects.get(network=self.network, person=self.people[name])


_counter = iter(range(2000, 9000))


def add_person(world: World, name: str, *, dlat: float, language: str = "es",
               role: str = "neighbor", drills: bool = False, consent: bool = True) -> None:
    number = f"+1215555{next(_counter):04d}"
    person = people.create_person(world.admin, given_name=name, family_name="Vecino",
                                  phone=number, language=language,
                                  street=f"{100 + len(world.people)} W Test St")
    address = people.current_residence(person).household.address
    Address.objects.filter(pk=address.pk).update(latitude=round(CENTER[0] + dlat, 6),
                                                 longitude=CENTER[1])
    if consent:
        people.record_consent(world.admin, person, channel="sms", purpose="rapid_response",
                              source="door", wording="Alerts OK")
    world.people[name] = person
    world.phones[name] = number
    world._roles[name] = (role, drills, language)


@pytest.fixture
def world(personas):
    return build_world(personas)


def build_world(personas, extra=()):
    """A network with a zone; subscribers at known distances north of the centre:
    responders R1 (100 m), R2 (300 m), R3 (600 m, English); neighbors N1 (50 m, in the
    zone), N2 (200 m, English, in the zone, drills), N3 (1.5 km, outside the zone)."""
    org = personas.org
    admin, dispatcher = personas.member("admin"), personas.member("dispatcher")
    with scope(organization=org):
        network = services.save_network(admin, name="Front Street network",
                                        hotline_number=OUR_NUMBER, confirmations_required=2,
                                        responders_per_request=2, center_lat=CENTER[0],
                                        center_lon=CENTER[1])
        import json

        zone = services.save_zone(admin, network, name="Front & Lehigh",
                                  geometry_json=json.dumps(ZONE))
        w = World(org, admin, dispatcher, network, zone)
        w._roles = {}
        add_person(w, "R1", dlat=0.0009, role="responder")
        add_person(w, "R2", dlat=0.0027, role="responder")
        add_person(w, "R3", dlat=0.0054, role="responder", language="en")
        add_person(w, "N1", dlat=0.00045)
        add_person(w, "N2", dlat=0.0018, language="en", drills=True)
        add_person(w, "N3", dlat=0.0135)
        for name, kwargs in extra:
            add_person(w, name, **kwargs)
        services.sync_subscribers(admin, network)
        for name, (role, drills, language) in w._roles.items():
            services.update_subscriber(admin, w.subscriber(name), role=role,
                                       language=language, drills=drills, available=True,
                                       radius_m=800)
    return w
