from __future__ import annotations

import pytest
from django_scopes import scope, scopes_disabled
from hypothesis import given
from hypothesis import strategies as st

from groundswell.core.models import AuditEvent
from groundswell.people import ladder, services
from groundswell.people.models import EngagementStage, Interaction
from tests.conftest import login

counts = st.fixed_dictionaries({k: st.integers(0, 20) for k in ladder.RULE_KEYS})
rules = st.dictionaries(st.sampled_from(sorted(ladder.RULE_KEYS)), st.integers(0, 10))


@given(st.lists(rules, min_size=1, max_size=8), counts)
def test_computed_stage_is_the_highest_rung_that_holds(rule_list, counted):
    rungs = [ladder.Rung(i, i, rule) for i, rule in enumerate(rule_list)]
    reached = ladder.computed_stage(rungs, counted)
    holding = [r for r in rungs if ladder.holds(r.rule, counted)]
    assert reached == (max(holding, key=lambda r: r.position) if holding else None)
    level = ladder.suggested_level(rungs, reached)
    assert 1 <= level <= 5


@given(counts, counts)
def test_more_activity_never_lowers_the_stage(a, b):
    rungs = [ladder.Rung(i, i, dict(rule)) for i, (_n, rule) in
             enumerate(ladder.DEFAULT_LADDER)]
    more = {k: a[k] + b[k] for k in a}
    low, high = ladder.computed_stage(rungs, a), ladder.computed_stage(rungs, more)
    assert (high.position if high else -1) >= (low.position if low else -1)


def test_validate_rule_refuses_unknown_keys_and_bad_numbers():
    assert ladder.validate_rule({"activities": 3}) == {"activities": 3}
    for bad in ({"vibes": 1}, {"activities": -1}, {"activities": "3"}, {"spoke": True}, []):
        with pytest.raises(ValueError):
            ladder.validate_rule(bad)


@pytest.mark.django_db
class TestLadderPage:
    url = "/o/front-street/people/ladder/"

    def data(self, rows):
        payload = {"stage-TOTAL_FORMS": str(len(rows)), "stage-INITIAL_FORMS": "0"}
        for i, (name, rule) in enumerate(rows):
            payload[f"stage-{i}-name"] = name
            for key, value in rule.items():
                payload[f"stage-{i}-{key}"] = str(value)
        return payload

    def test_admin_renames_and_reshapes_the_ladder(self, client, personas):
        with scope(organization=personas.org):
            person = services.create_person(personas.member("organizer"), given_name="Ana")
            services.record_interaction(None, person, kind=Interaction.Kind.ATTENDANCE,
                                        organization=personas.org)
        login(client, personas.member("admin"))
        assert client.get(self.url).status_code == 200
        response = client.post(self.url, self.data([
            ("Vecino", {}), ("Voluntario", {"activities": 1}), ("Líder", {"spoke": 1})]))
        assert response.status_code == 302
        with scope(organization=personas.org):
            names = list(EngagementStage.objects.values_list("name", flat=True))
            person.refresh_from_db()
            assert names == ["Vecino", "Voluntario", "Líder"]
            assert person.computed_stage.name == "Voluntario"
        with scopes_disabled():
            assert AuditEvent.objects.filter(code="people.ladder.changed").exists()

    @pytest.mark.parametrize("rows", [
        [("Only one", {})],
        [("Same", {}), ("same", {"activities": 1})],
    ])
    def test_bad_ladders_change_nothing(self, client, personas, rows):
        login(client, personas.member("admin"))
        client.get(self.url)  # creates the default ladder
        response = client.post(self.url, self.data(rows))
        assert response.status_code == 400
        with scope(organization=personas.org):
            assert EngagementStage.objects.count() == 6

    def test_negative_numbers_are_a_form_error(self, client, personas):
        login(client, personas.member("admin"))
        response = client.post(self.url, self.data([("A", {}), ("B", {"activities": -2})]))
        assert response.status_code == 400

    def test_organizer_cannot_change_the_ladder(self, client, personas):
        login(client, personas.member("organizer"))
        assert client.get(self.url).status_code == 403
