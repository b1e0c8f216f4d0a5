from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "groundswell.events"
    label = "events"
    verbose_name = _("Events")

    def ready(self) -> None:
        from groundswell.core.audit import register_events
        from groundswell.core.models import Role
        from groundswell.core.permissions import register_capabilities

        staff = frozenset({Role.ADMIN, Role.ORGANIZER})
        register_capabilities({
            # Who came to what is personal: the roles that see people see events.
            "events.view": frozenset({Role.ADMIN, Role.ORGANIZER, Role.DISPATCHER,
                                      Role.PROGRAM_STAFF}),
            "events.manage": staff,
            # Running the door: sign-ins, the kiosk, shift sign-ups.
            "events.sign_in": frozenset({Role.ADMIN, Role.ORGANIZER, Role.PROGRAM_STAFF}),
            # An RSVP a resident gives a canvasser at their door (canvass asks for it).
            "events.rsvp_at_door": frozenset({Role.ADMIN, Role.ORGANIZER, Role.CANVASSER}),
            "events.follow_up": staff,
            "events.reports": staff,
        })
        register_events({
            "events.event.created": _("Event created"),
            "events.event.updated": _("Event edited"),
            "events.event.cancelled": _("Event cancelled"),
            "events.shift.created": _("Shift added"),
            "events.shift.deleted": _("Shift removed"),
            "events.shift.signed_up": _("Signed up for a shift"),
            "events.shift.signup_cancelled": _("Shift sign-up cancelled"),
            "events.shift.volunteered": _("Volunteered for a shift on the public page"),
            "events.shift.waitlist_moved_up": _("Moved up from a shift's waitlist"),
            "events.shift.reminded": _("Shift reminders sent"),
            "events.rsvp.created": _("RSVP received"),
            "events.rsvp.cancelled": _("RSVP cancelled"),
            "events.attendance.recorded": _("Signed in at an event"),
            "events.kiosk.started": _("Kiosk started"),
            "events.kiosk.ended": _("Kiosk ended"),
            "events.kiosk.pin_failed": _("Wrong kiosk PIN"),
            "events.follow_up.assigned": _("Follow-ups assigned"),
            "events.follow_up.done": _("Follow-up done"),
            "events.follow_up.listed": _("Follow-up list saved as a call list"),
            "events.report.exported": _("Event report exported"),
        })
        from groundswell.events.erasure import erase_person
        from groundswell.people.services.forget import register_eraser

        register_eraser("events", erase_person, erases=_(
            "Their RSVPs, shift sign-ups and follow-ups"))
        from groundswell.events.timeline import attendance_links
        from groundswell.people.timeline import register_timeline_link

        register_timeline_link("events.attendance", attendance_links)
