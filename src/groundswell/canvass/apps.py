"""Efforts, scripts, walk lists and door visits; the offline canvasser app."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CanvassConfig(AppConfig):
    name = "groundswell.canvass"
    label = "canvass"
    verbose_name = _("Door knocking")

    def ready(self) -> None:
        from groundswell.canvass.views import follow_up_walk_list_form
        from groundswell.core.audit import register_events
        from groundswell.core.models import Role
        from groundswell.core.permissions import register_capabilities
        from groundswell.events.followups import FollowUpAction, register_follow_up_action

        organizers = frozenset({Role.ADMIN, Role.ORGANIZER})
        register_capabilities({
            "canvass.view": organizers,  # efforts, walk lists, progress
            "canvass.manage": organizers,  # scripts, building and assigning walk lists
            # The canvasser app: canvassers see only the walk lists assigned to them.
            "canvass.knock": frozenset({Role.ADMIN, Role.ORGANIZER, Role.CANVASSER}),
        })
        register_events({
            "canvass.effort.created": _("Effort created"),
            "canvass.effort.updated": _("Effort edited"),
            "canvass.question.added": _("Script question added"),
            "canvass.question.removed": _("Script question removed"),
            "canvass.walklist.created": _("Walk list created"),
            "canvass.walklist.updated": _("Walk list edited"),
            "canvass.walklist.start_set": _("Walk list start point set"),
            "canvass.phones.shown": _("Phone numbers shown to a canvasser"),
            "canvass.visits.synced": _("Door visits synced"),
            "canvass.visit.recorded": _("Door visit recorded"),
        })
        from groundswell.canvass.erasure import erase_person
        from groundswell.people.services.forget import register_eraser

        register_eraser("canvass", erase_person, erases=_(
            "The notes and answers of their door visits"))
        register_follow_up_action(FollowUpAction(
            template="canvass/follow_up_walk_list.html", capability="canvass.manage",
            make_form=follow_up_walk_list_form))
        from groundswell.canvass.maps import outcome_colors
        from groundswell.geo.maps import Coloring, register_coloring

        register_coloring(Coloring("outcome", _("Last door visit"), outcome_colors,
                                   _("Not visited")))
        from groundswell.canvass.timeline import door_visit_links
        from groundswell.people.timeline import register_timeline_link

        register_timeline_link("canvass.doorvisit", door_visit_links)
