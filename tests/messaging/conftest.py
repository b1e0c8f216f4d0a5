from __future__ import annotations

import pytest
from django_scopes import scope

from groundswell.messaging.testing import sms_gateway, sms_live  # noqa: F401
from groundswell.people import services as people


@pytest.fixture
def make_person(personas):
    """A person of the personas' organization, with consent to texts for ``purposes``."""
    admin = personas.member("admin")
    counter = iter(range(1000, 9999))

    def make(given_name: str = "Ana", *, phone: str | None = None, email: str = "",
             language: str = "en", purposes: tuple[str, ...] = ("general",),
             channel: str = "sms"):
        number = phone if phone is not None else f"+1215555{next(counter):04d}"
        with scope(organization=personas.org):
            person = people.create_person(admin, given_name=given_name, family_name="Test",
                                          phone=number, email=email, language=language)
            for purpose in purposes:
                people.record_consent(admin, person, channel=channel, purpose=purpose,
                                      source="door", wording="Texts OK")
        return person

    return make


@pytest.fixture
def daytime(personas):
    """No quiet hours for the organization: tests that send an ordinary (not emergency)
    message and expect it out at once must not depend on the hour the suite runs (the
    default quiet hours, 21:00 to 08:00 in Philadelphia, hold it back)."""
    from groundswell.messaging.services import settings_for

    with scope(organization=personas.org):
        config = settings_for(personas.org)
        config.quiet_start = config.quiet_end = "00:00"
        config.save()
