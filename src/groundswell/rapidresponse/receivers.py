"""Texts from residents, as the messaging area hands them over
(``messaging.signals.inbound_message_received``, inside the transaction that stores
the text; STOP/START/HELP never reach here, messaging answers those itself).

A text sent to a network's hotline number is that network's: a responder's reply, a
JOIN/UNIRSE, or a new report. A 1/2/3 or OMW/VOY sent to another of the
organization's numbers still reaches the responder's open request; anything else is
left to the shared inbox."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from groundswell.messaging.signals import inbound_message_received
from groundswell.people.normalize import NormalizationError, normalize_phone
from groundswell.rapidresponse import services
from groundswell.rapidresponse.models import Network


def network_for_number(organization: Any, to_number: str) -> Network | None:
    if not to_number:
        return None

    try:
        number = normalize_phone(to_number)
    except NormalizationError:
        return None
    return Network.objects.filter(organization=organization, hotline_number=number).first()


@receiver(inbound_message_received, dispatch_uid="rapidresponse.inbound")
def on_inbound_text(sender: Any, *, organization: Any, person: Any, contact: Any, body: str,
                    message: Any, **kwargs: Any) -> str:
    network = network_for_number(organization, getattr(message, "to_number", ""))
    result = services.handle_hotline_text(organization, network, contact=contact,
                                          person=person, body=body or "", inbound=message)
    return "" if result.kind == "ignored" else "rapidresponse"
