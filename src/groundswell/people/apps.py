from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "groundswell.people"
    label = "people"
    verbose_name = _("People")

    def ready(self) -> None:
        from groundswell.core.audit import register_events

        register_events({
            "people.person.created": _("Person added"),
            "people.person.updated": _("Person edited"),
            "people.person.moved": _("Person moved"),
            "people.person.tagged": _("People tagged"),
            "people.person.merged": _("People merged"),
            "people.person.merge_undone": _("Merge undone"),
            "people.person.forgotten": _("Person forgotten"),
            "people.contact.added": _("Contact added"),
            "people.contact.revealed": _("Phone number revealed"),
            "people.consent.granted": _("Consent given"),
            "people.consent.withdrawn": _("Consent withdrawn"),
            "people.grievance.recorded": _("Grievance recorded"),
            "people.relationship.added": _("Relationship added"),
            "people.assessment.recorded": _("Engagement rated"),
            "people.list.exported": _("List exported"),
            "people.list.saved": _("List saved"),
            "people.duplicate.dismissed": _("Duplicate dismissed"),
            "people.duplicate.scanned": _("Duplicates looked for"),
            "people.ladder.changed": _("Engagement ladder changed"),
        })
