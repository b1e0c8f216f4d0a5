from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RapidresponseConfig(AppConfig):
    name = "groundswell.rapidresponse"
    label = "rapidresponse"
    verbose_name = _("Rapid response")

    def ready(self) -> None:
        # apps.py loads before the models: the registry is ready only here
        from groundswell.core.audit import register_events
        from groundswell.core.backup import register_after_restore
        from groundswell.core.models import Role
        from groundswell.core.permissions import register_capabilities

        # A restored backup may hold reports its retention period has since passed: they
        # are purged before anyone sees them.
        register_after_restore("rapid-response retention", _purge_after_restore)
        register_capabilities({
            # The board, reports, verification and alerts: dispatchers, and the
            # organizers and admins who back them up.
            "rapidresponse.view": frozenset({Role.ADMIN, Role.ORGANIZER, Role.DISPATCHER}),
            "rapidresponse.dispatch": frozenset({Role.ADMIN, Role.ORGANIZER,
                                                 Role.DISPATCHER}),
            # Networks, zones and subscribers.
            "rapidresponse.manage": frozenset({Role.ADMIN, Role.ORGANIZER}),
            # Who reported: nobody but an admin, and audited.
            "rapidresponse.reveal_reporter": frozenset({Role.ADMIN}),
        })
        register_events({
            "rapidresponse.network.created": _("Rapid-response network created"),
            "rapidresponse.network.updated": _("Rapid-response network edited"),
            "rapidresponse.zone.created": _("Alert zone drawn"),
            "rapidresponse.zone.updated": _("Alert zone edited"),
            "rapidresponse.zone.deleted": _("Alert zone deleted"),
            "rapidresponse.subscribers.synced": _("Subscribers updated from consents"),
            "rapidresponse.subscriber.updated": _("Subscriber edited"),
            "rapidresponse.subscriber.joined": _("Subscriber joined by text"),
            "rapidresponse.subscriber.left": _("Subscriber left"),
            "rapidresponse.report.received": _("Report received"),
            "rapidresponse.report.located": _("Report placed on the map"),
            "rapidresponse.report.closed": _("Report closed"),
            "rapidresponse.report.overridden": _("Report overridden (unverified alerts)"),
            "rapidresponse.report.expired": _("Report expired"),
            "rapidresponse.report.verification_requested": _("Responders asked to verify"),
            "rapidresponse.report.purged": _("Report purged"),
            "rapidresponse.reporter.revealed": _("Reporter's number revealed"),
            "rapidresponse.verification.replied": _("Responder replied"),
            "rapidresponse.verification.recorded": _("Confirmation recorded by a dispatcher "
                                                     "(by phone or in person)"),
            "rapidresponse.verification.late_reply": _("Late reply from a responder"),
            "rapidresponse.verification.on_the_way": _("Responder on the way"),
            "rapidresponse.alert.sent": _("Alert sent"),
            "rapidresponse.alert.all_clear": _("All-clear sent"),
            "rapidresponse.retention.purged": _("Old reports purged"),
            "rapidresponse.review.exported": _("Incident review exported"),
        })
        # apps.py loads before the models: the registry is ready only here
        from groundswell.messaging.inbound import register_confidential_number
        from groundswell.rapidresponse import receivers  # (texts to the hotline)

        # What a resident texts the hotline stays with the dispatchers (and the purge):
        # never in the shared inbox nor on the reporter's timeline.
        register_confidential_number(
            lambda organization, to_number:
            receivers.network_for_number(organization, to_number) is not None)
        # apps.py loads before the models: the registry is ready only here
        from groundswell.people.services.forget import register_eraser
        from groundswell.rapidresponse.erasure import erase_person

        register_eraser("rapidresponse", erase_person, erases=_(
            "Their place in the rapid-response network (role, place, replies) and "
            "the reports they texted in"))


def _purge_after_restore() -> str:
    from django_scopes import scopes_disabled

    # apps.py loads before the models (this runs after a restore, long after ready())
    from groundswell.core.models import Organization
    from groundswell.rapidresponse.tasks import run_maintenance

    expired = reports = alerts = 0
    with scopes_disabled():
        organizations = list(Organization.objects.all())
    for org in organizations:
        e, r, a = run_maintenance(org)
        expired, reports, alerts = expired + e, reports + r, alerts + a
    return f"{expired} reports expired, {reports} reports and {alerts} alerts purged"
