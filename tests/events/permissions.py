"""Rows of the permission matrix and the cross-organization test for the events area
(vocabulary in tests/matrix.py)."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from groundswell.events.models import Event, FollowUp, Shift, ShiftSignup
from tests.matrix import ADMIN, DISPATCHER, ORGANIZER, ORGANIZERS, PROGRAM_STAFF, everyone, org

VIEWERS = (ADMIN, ORGANIZER, DISPATCHER, PROGRAM_STAFF)  # events.view
SIGNERS = (ADMIN, ORGANIZER, PROGRAM_STAFF)  # events.sign_in

EXPECTED = {
    "events": org(VIEWERS),
    "event_create": org(ORGANIZERS),
    "event": org(VIEWERS),
    "event_edit": org(ORGANIZERS),
    "event_cancel": org(ORGANIZERS, ok=405),  # POST only
    "event_materials": org(VIEWERS),
    "event_flyer": org(VIEWERS),
    "event_qr": org(VIEWERS),
    "shift_create": org(ORGANIZERS, ok=405),
    "shift_reminders": org(ORGANIZERS, ok=405),  # POST queues texts
    "shift": org(SIGNERS),
    "shift_delete": org(ORGANIZERS, ok=405),
    "shift_sign_up": org(SIGNERS, ok=405),
    "shift_signup_cancel": org(SIGNERS, ok=405),
    # GET: the form that starts kiosk mode (the sign-in screen once locked).
    "kiosk": org(SIGNERS),
    "event_people": org(SIGNERS),
    "event_record_rsvp": org(SIGNERS, ok=405),
    "event_sign_in": org(SIGNERS, ok=405),
    "kiosk_search": org(SIGNERS, ok=405),
    "kiosk_sign_in": org(SIGNERS, ok=405),
    "kiosk_add": org(SIGNERS, ok=405),
    "kiosk_exit": org(SIGNERS),  # not locked: "this device is not in kiosk mode"
    "kiosk_language": org(SIGNERS, ok=405),
    "event_follow_up": org(ORGANIZERS),
    "follow_up_assign": org(ORGANIZERS, ok=405),
    "follow_up_call_list": org(ORGANIZERS, ok=405),
    "follow_up_walk_list": org(ORGANIZERS, ok=405),
    "my_follow_ups": org(VIEWERS),
    "follow_up_done": org(VIEWERS, ok=405),
    "event_report": org(ORGANIZERS),
    "events_report": org(ORGANIZERS),
    "events_report_csv": org(ORGANIZERS, ok=405),  # POST downloads (audited)
    # Public pages for residents: no sign-in, the event's public id is the address.
    "event_rsvp": everyone(200),
    "event_ics": everyone(200),
    "event_public_materials": everyone(200),
    "events_feed": everyone(200),
    "event_volunteer": everyone(200),
    "organization_events": everyone(200),
}

_EVENT_PAGES = ("event", "event_edit", "event_cancel", "event_materials", "event_flyer",
                "event_qr", "shift_create",
                "kiosk", "kiosk_search", "kiosk_sign_in", "kiosk_add", "kiosk_exit",
                "kiosk_language",
                "event_follow_up", "follow_up_assign", "follow_up_call_list",
                "follow_up_walk_list", "event_report", "event_people", "event_record_rsvp",
                "event_sign_in",
                "shift_reminders")
PK_KINDS = {
    **dict.fromkeys(_EVENT_PAGES, "event"),
    "shift": "shift", "shift_delete": "shift", "shift_sign_up": "shift",
    "shift_signup_cancel": "shift_signup",
    "follow_up_done": "follow_up",
}
PARAMS = {
    "event_rsvp": {"public_id": "event_public"},
    "event_ics": {"public_id": "event_public"},
    "event_public_materials": {"public_id": "event_public"},
    "events_feed": {"token": "events_feed_token"},
    "event_volunteer": {"public_id": "event_public"},
    "organization_events": {"slug": "organization_public"},
}
MODELS = {"event": Event, "shift": Shift, "shift_signup": ShiftSignup, "follow_up": FollowUp}
PAYLOADS = {
    "event_edit": [{"kind": "meeting", "title_en": "Taken over",
                    "starts_at": "2030-01-01T10:00", "ends_at": "2030-01-01T11:00"}],
    "event_cancel": [{}],
    "kiosk": [{"pin": "2468", "pin_again": "2468"}],
    "shift_create": [{"role": "music", "starts_at": "2030-01-01T10:00",
                      "ends_at": "2030-01-01T11:00", "slots": "2"}],
    "kiosk_exit": [{"pin": "2468"}],
    "event_people": [{"q": "Ana"}],
    "event_record_rsvp": [{"person": "1"}],
    "event_sign_in": [{"person": "1"}],
}


def world(org, admin) -> dict[str, int | str]:
    """An upcoming event with materials, a shift with a volunteer, and a past sign-in
    with a follow-up."""
    from groundswell.events import services
    from groundswell.events.views import feed_token
    from groundswell.people import services as people

    starts = timezone.now() + timedelta(days=3)
    event = services.create_event(
        admin, kind="block_party", title_en="World party", starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        materials=SimpleUploadedFile("flyer.pdf", b"%PDF-1.4 world"))
    shift = services.add_shift(admin, event, role="setup", starts_at=starts,
                               ends_at=starts + timedelta(hours=1), slots=3)
    volunteer = people.create_person(admin, given_name="Vera", family_name="Volunteer")
    signup = services.sign_up_for_shift(admin, shift, volunteer)
    services.record_attendance(admin, event, volunteer)
    services.assign_follow_ups(admin, event, [(volunteer, "new_person")], admin)
    return {"event": event.pk, "shift": shift.pk, "shift_signup": signup.pk,
            "follow_up": FollowUp.objects.get(event=event).pk,
            "event_public": str(event.public_id), "events_feed_token": feed_token(org.slug),
            "organization_public": org.slug}
