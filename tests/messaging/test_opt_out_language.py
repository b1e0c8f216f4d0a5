"""Asking to stop in one's own words (issue 15): "please stop texting me" or "no me
manden más mensajes" is an opt-out like STOP, in both languages; a message that may ask
to stop but does not say so clearly goes to the inbox for a person to read; neither is
ever taken for anything else (on a hotline: a sighting report). The classifier is pure
(messaging/keywords.py) and property-tested; then through receive_sms and a broadcast."""

from __future__ import annotations

import pytest
from django_scopes import scope, scopes_disabled
from hypothesis import given
from hypothesis import strategies as st

from groundswell.messaging import broadcasts, keywords
from groundswell.messaging.inbound import receive_sms
from groundswell.messaging.models import Broadcast, Conversation, Message, Suppression
from groundswell.messaging.sender import deliver_outbox
from groundswell.people.models import Person

ASKS_TO_STOP = [
    # English
    "stop texting me", "Please stop", "please stop!!", "STOP PLEASE", "stop it",
    "Stop texting me please", "please stop sending me these messages", "unsubscribe",
    "Unsubscribe me", "unsub", "opt out", "Opt me out", "remove me from your list",
    "Take me off the list", "dont text me anymore", "Don't text me again",
    "do not contact me", "no more texts", "No more messages please",
    "I don't want these texts", "leave me alone", "who is this? stop texting me",
    "Stop the texts", "please, just stop", "cancel", "quit",
    # Spanish
    "no me manden más mensajes", "No me escriban más", "quítenme de la lista",
    "Quítenme de la lista por favor", "ya no me manden mensajes", "ya basta",
    "alto por favor", "dejen de escribirme", "Dejen de mandarme mensajes",
    "no quiero recibir más mensajes", "No más mensajes", "denme de baja",
    "quiero darme de baja", "baja gracias", "borren mi número", "sáquenme de la lista",
    "por favor no me envíen más textos", "déjenme en paz", "BASTA",
]
UNCLEAR = [
    "Stop. Who is this?", "stop the luxury complex", "Stop ICE raids now",
    "baja? que es esto", "cancel what?",
]
NOT_ABOUT_STOPPING = [
    # Sightings a hotline must keep as reports, with stop words inside them.
    "ICE at the bus stop on 5th and Lehigh", "Agents stopped a car on Front St",
    "¡Alto! Agentes en la esquina de Front y Lehigh, dos camionetas",
    "Hay agentes de ICE en la 5 y Lehigh, paren todo y no abran",
    "2 vans stopped at Front and Dauphin, agents knocking doors",
    # Replies in a conversation.
    "No quiero parar", "Can you stop by the center?", "Thanks, see you Saturday",
    "no me mandaron la ayuda", "I will end up texting you later", "1", "OMW", "",
    "the cancel button doesnt work on the form",
]


@pytest.mark.parametrize("text", ASKS_TO_STOP)
def test_a_request_to_stop_in_ones_own_words_is_stop(text):
    assert keywords.classify(text) == keywords.STOP
    assert not keywords.unclear(text)


@pytest.mark.parametrize("text", UNCLEAR)
def test_a_message_that_may_ask_to_stop_is_for_a_person_to_read(text):
    assert keywords.classify(text) == ""
    assert keywords.unclear(text)


@pytest.mark.parametrize("text", NOT_ABOUT_STOPPING)
def test_stop_words_inside_other_messages_are_left_alone(text):
    assert keywords.classify(text) in ("", keywords.START, keywords.HELP)
    assert not keywords.unclear(text)


@pytest.mark.parametrize("text,language", [
    ("no me manden más mensajes", "es"), ("quítenme de la lista", "es"),
    ("dejen de escribirme", "es"), ("stop texting me", ""), ("please stop", "")])
def test_the_language_of_a_request_to_stop(text, language):
    assert keywords.language_of(text) == language


FILLER = st.sampled_from(["please", "por favor", "ya", "gracias", "thanks", "now", "ok",
                          "porfa", "just", "hey", "hola"])
PUNCTUATION = st.sampled_from(["", " ", ".", "!", "!!", "?", ",", "¡", "¿", "\n", " :( "])


def _case(text: str, how: int) -> str:
    return [text, text.upper(), text.lower(), text.title()][how]


@given(st.sampled_from(ASKS_TO_STOP), st.lists(FILLER, max_size=2),
       st.lists(FILLER, max_size=2), PUNCTUATION, PUNCTUATION, st.integers(0, 3))
def test_a_request_to_stop_stays_one_whatever_surrounds_it(phrase, before, after, p1, p2,
                                                          how):
    """Politeness, punctuation and case change nothing."""
    text = _case(" ".join([*before, p1 + phrase + p2, *after]), how)
    assert keywords.classify(text) == keywords.STOP


@given(st.sampled_from(ASKS_TO_STOP), st.integers(0, 3))
def test_accents_and_curly_apostrophes_change_nothing(phrase, how):
    import unicodedata

    plain = "".join(ch for ch in unicodedata.normalize("NFKD", phrase)
                    if not unicodedata.combining(ch))
    assert keywords.classify(_case(plain, how)) == keywords.STOP
    assert keywords.classify(phrase.replace("'", "’")) == keywords.STOP


SIGHTING_WORDS = st.sampled_from([
    "ICE", "agents", "agentes", "vans", "camionetas", "at", "en", "la", "esquina", "de",
    "Front", "Lehigh", "5th", "street", "calle", "two", "dos", "cars", "knocking",
    "tocando", "puertas", "near", "cerca", "school", "escuela", "now", "right"])
# Stop keywords that also mean something else (a bus stop, alto = tall, end of the
# street); "unsubscribe" means nothing else and is an opt-out anywhere.
STOP_WORD = st.sampled_from(sorted(keywords.STOP_WORDS - {
    "unsubscribe", "unsub", "unsuscribe", "unsubcribe", "optout", "stopall"}))


@given(st.lists(SIGHTING_WORDS, min_size=5, max_size=12), STOP_WORD, st.integers(1, 4))
def test_a_long_report_with_a_stop_word_inside_is_never_an_opt_out(words, stop, where):
    """A sighting on the hotline is never lost to a guess: a stop word inside a longer
    message neither opts out nor sends it to the inbox."""
    where = min(where, len(words) - 1)
    text = " ".join([*words[:where], stop, *words[where:]])
    assert keywords.classify(text) == ""
    assert not keywords.unclear(text)


@given(st.text(max_size=300))
def test_any_text_gets_one_answer(text):
    kind = keywords.classify(text)
    assert kind in ("", keywords.STOP, keywords.START, keywords.HELP)
    assert not (kind and keywords.unclear(text))  # never both
    assert keywords.language_of(text) in ("", "es")


# --- through the inbox and the outbox -----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("text,language", [("Please stop texting me", "en"),
                                           ("no me manden más mensajes", "es"),
                                           ("Quítenme de la lista por favor", "es")])
def test_who_asks_to_stop_gets_the_confirmation_and_no_broadcast(personas, make_person,
                                                                 sms_gateway, text, language):
    from tests.messaging.test_outbox import phone_of

    person = make_person("Rosa", language="en")
    other = make_person("Luis")
    with scope(organization=personas.org):
        receive_sms(personas.org, from_number=phone_of(person), to_number="+12155550100",
                    body=text, provider_sid="SM-words-1")
        assert Suppression.objects.filter(lifted_at__isnull=True).count() == 1
        draft = broadcasts.Draft(channel="sms", purpose="general", emergency=True,
                                 body_en="Meeting Thursday", body_es="Reunión el jueves")
        broadcasts.create_broadcast(personas.member("organizer"), draft,
                                    Person.objects.filter(pk__in=[person.pk, other.pk]))
        broadcast = Broadcast.objects.get()
        assert broadcast.recipients == 1 and broadcast.excluded == 1
    deliver_outbox()
    bodies = [m.body for m in sms_gateway.received_to(phone_of(person))]
    assert len(bodies) == 1  # only the confirmation of the opt-out, in their language
    assert ("se ha dado de baja" if language == "es" else "unsubscribed") in bodies[0]
    assert [m.body for m in sms_gateway.received_to(phone_of(other))] == ["Meeting Thursday"]


@pytest.mark.django_db
def test_an_unclear_message_goes_to_the_inbox_for_review_and_changes_nothing(
        personas, make_person, sms_gateway):
    from tests.messaging.test_outbox import phone_of

    person = make_person("Rosa")
    with scope(organization=personas.org):
        receive_sms(personas.org, from_number=phone_of(person), to_number="+12155550100",
                    body="Stop. Who is this?", provider_sid="SM-unclear-1")
        assert not Suppression.objects.exists()
        conversation = Conversation.objects.get(person=person)
        assert conversation.needs_review and conversation.unread == 1
    deliver_outbox()
    assert sms_gateway.received_to(phone_of(person)) == []  # no reply, no confirmation
    with scopes_disabled():
        assert not Message.objects.filter(status="suppressed").exists()
