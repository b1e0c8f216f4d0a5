"""Property and state-machine tests of the report rules (rapidresponse/states.py):
whatever a dispatcher and the responders do, in any order and at any time, no sighting
alert goes out from a report that is neither confirmed nor explicitly overridden, and
none at or after the report's expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from groundswell.rapidresponse import states
from groundswell.rapidresponse.states import Event, Refused, Snapshot

T0 = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
EVENTS = ["ask", "reply", "false_alarm", "duplicate", "override", "expire", "alert",
          "all_clear"]


def fresh(required: int = 2, minutes: int = 120) -> Snapshot:
    return Snapshot(state=states.NEW, expires_at=T0 + timedelta(minutes=minutes),
                    required=required)


steps = st.lists(st.tuples(st.sampled_from(EVENTS), st.sampled_from(states.REPLIES),
                           st.integers(min_value=0, max_value=10)), max_size=40)


@given(required=st.integers(min_value=1, max_value=4), plan=steps)
@settings(max_examples=200, deadline=None)
def test_no_sighting_alert_unless_confirmed_or_overridden_and_never_after_expiry(required, plan):
    snapshot, now = fresh(required, minutes=60), T0
    for kind, reply, minutes in plan:
        now += timedelta(minutes=minutes)
        before = snapshot
        try:
            snapshot = states.apply(before, Event(kind, reply), now)
        except Refused:
            assert snapshot == before
            continue
        if kind == "alert":
            assert before.state == states.CONFIRMED or (
                before.overridden and before.state in states.OPEN)
            assert now < before.expires_at
        if before.state in states.CLOSED:
            # A closed report only ever gets its all-clear.
            assert kind == "all_clear"
        if snapshot.state == states.CONFIRMED and before.state != states.CONFIRMED:
            assert snapshot.confirmations >= required


class ReportMachine(RuleBasedStateMachine):
    """Random interleavings of dispatcher actions, replies and the clock."""

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = fresh(required=2, minutes=90)
        self.now = T0
        self.alerts_at: list[tuple[datetime, Snapshot]] = []

    def _do(self, event: Event) -> None:
        before = self.snapshot
        try:
            self.snapshot = states.apply(before, event, self.now)
        except Refused:
            assert self.snapshot == before
            return
        if event.kind == "alert":
            self.alerts_at.append((self.now, before))

    @rule(minutes=st.integers(min_value=1, max_value=45))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @rule()
    def ask(self) -> None:
        self._do(Event("ask"))

    @rule(reply=st.sampled_from(states.REPLIES))
    def reply(self, reply: str) -> None:
        self._do(Event("reply", reply))

    @rule(kind=st.sampled_from(["false_alarm", "duplicate", "override", "expire"]))
    def dispatcher(self, kind: str) -> None:
        self._do(Event(kind))

    @rule()
    def alert(self) -> None:
        self._do(Event("alert"))

    @precondition(lambda self: self.snapshot.sightings_sent > 0)
    @rule()
    def all_clear(self) -> None:
        self._do(Event("all_clear"))

    @invariant()
    def every_alert_was_allowed(self) -> None:
        for at, before in self.alerts_at:
            assert at < before.expires_at
            assert before.state == states.CONFIRMED or before.overridden

    @invariant()
    def expired_reports_send_nothing(self) -> None:
        if states.is_expired(self.snapshot, self.now):
            assert not states.may_alert(self.snapshot, self.now)


TestReportMachine = ReportMachine.TestCase
TestReportMachine.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)


def test_two_confirmations_confirm_when_two_are_required():
    s = states.apply(fresh(2), Event("ask"), T0)
    s = states.apply(s, Event("reply", states.CONFIRM), T0)
    assert s.state == states.VERIFYING
    s = states.apply(s, Event("reply", states.NOT_SEEN), T0)
    s = states.apply(s, Event("reply", states.CONFIRM), T0)
    assert s.state == states.CONFIRMED and states.may_alert(s, T0)


def test_override_allows_an_unverified_alert():
    s = states.apply(fresh(2), Event("override"), T0)
    assert states.may_alert(s, T0) and states.label_unverified(s)
    s = states.apply(s, Event("alert"), T0)
    assert s.sightings_sent == 1


def test_reply_after_expiry_is_refused_and_changes_nothing():
    s = states.apply(fresh(1, minutes=10), Event("ask"), T0)
    late = T0 + timedelta(minutes=10)
    with pytest.raises(Refused) as refused:
        states.apply(s, Event("reply", states.CONFIRM), late)
    assert refused.value.reason == "expired"
    with pytest.raises(Refused):
        states.apply(states.apply(s, Event("override"), T0), Event("alert"), late)


def test_all_clear_needs_a_sighting_first():
    with pytest.raises(Refused):
        states.apply(fresh(), Event("all_clear"), T0)
