"""The outbox, providers, inbound webhooks, opt-outs and the inbox."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "groundswell.messaging"
    label = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        # apps.py loads before the models: the registry is ready only here
        from groundswell.core.audit import register_events
        from groundswell.core.models import Role
        from groundswell.core.permissions import register_capabilities

        register_capabilities({
            # The inbox and per-recipient status: people who answer residents' texts.
            "messaging.view": frozenset({Role.ADMIN, Role.ORGANIZER, Role.DISPATCHER}),
            "messaging.reply": frozenset({Role.ADMIN, Role.ORGANIZER, Role.DISPATCHER}),
            # Texting or emailing a list: organizers.
            "messaging.send": frozenset({Role.ADMIN, Role.ORGANIZER}),
            "messaging.configure": frozenset({Role.ADMIN}),
        })
        register_events({
            "messaging.message.queued": _("Message queued"),
            "messaging.messages.queued": _("Messages queued"),
            "messaging.broadcast.created": _("Message to a list sent"),
            "messaging.broadcast.cancelled": _("Scheduled message cancelled"),
            "messaging.inbound.received": _("Text received"),
            "messaging.optout.added": _("Opted out of texts"),
            "messaging.optout.lifted": _("Opted back in to texts"),
            "messaging.conversation.read": _("Conversation read"),
            "messaging.settings.changed": _("Messaging settings changed"),
        })
        # apps.py loads before the models: the registry is ready only here
        from groundswell.messaging.erasure import erase_person
        from groundswell.people.services.forget import register_eraser

        register_eraser("messaging", erase_person, erases=_(
            "Their conversations: every text and email sent to them or received from them"))
