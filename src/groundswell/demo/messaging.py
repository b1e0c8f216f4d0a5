"""The demo's messaging: the HELP answers and quiet hours, a know-your-rights message
to the neighbors who said yes to rapid-response texts at the door (sent by the outbox
sender that `make demo` starts, to the development file provider: no network), and a
few texts in the inbox: a question, a STOP, and a number nobody had.

Idempotent: when the organization's messaging settings exist, nothing is added."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from groundswell.core.models import Membership, Organization, Role
from groundswell.messaging import broadcasts
from groundswell.messaging.inbound import receive_sms
from groundswell.messaging.models import MessagingSettings
from groundswell.people.models import Consent, ContactPoint, Person

OUR_NUMBER = "+12155550100"


def load(org: Organization) -> bool:
    if MessagingSettings.objects.filter(organization=org).exists():
        return False
    admin = Membership.objects.filter(organization=org, role=Role.ADMIN).first()
    if admin is None:
        return False
    broadcasts.save_settings(
        admin,
        help_text_en=f"{org.name}: we text about meetings, events and alerts for the "
                     "neighborhood. Call or visit 2400 N Front St. Reply STOP to stop.",
        help_text_es=f"{org.name}: enviamos mensajes sobre reuniones, eventos y alertas del "
                     "barrio. Llame o visítenos en 2400 N Front St. Responda BAJA para "
                     "no recibir más.",
        quiet_start=time(21), quiet_end=time(8), cost_per_segment_cents=Decimal("0.83"))
    consenting = Person.objects.active().filter(
        consents__channel=Consent.Channel.SMS, consents__purpose=Consent.Purpose.RAPID_RESPONSE,
        consents__withdrawn_at__isnull=True, contacts__kind=ContactPoint.Kind.PHONE).distinct()
    if consenting.exists():
        draft = broadcasts.Draft(
            channel="sms", purpose=Consent.Purpose.RAPID_RESPONSE, emergency=False,
            body_en="Know your rights: a training Thursday 7pm at the community center, "
                    "2400 N Front St. Bring a neighbor, {first_name}!",
            body_es="Conozca sus derechos: taller el jueves a las 7pm en el centro "
                    "comunitario, 2400 N Front St. ¡Traiga a un vecino, {first_name}!")
        first = list(consenting.order_by("pk").values_list("pk", flat=True)[:40])
        broadcasts.create_broadcast(admin, draft, Person.objects.filter(pk__in=first))
    phones = list(ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE,
                                              person__in=consenting).order_by("pk")[:2])
    texts = []
    if phones:
        texts.append((phones[0].value, "¿Puedo llevar a mi vecina al taller?"))
    if len(phones) > 1:
        texts.append((phones[1].value, "BAJA"))
    texts.append(("+12155550987", "Hola, vi su volante en la lavandería. ¿Hay clases de inglés?"))
    for n, (number, body) in enumerate(texts):
        receive_sms(org, from_number=number, to_number=OUR_NUMBER, body=body,
                    provider_sid=f"SMdemo{org.pk}x{n}")
    return True
