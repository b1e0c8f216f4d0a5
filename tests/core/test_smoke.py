import pytest

from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_organization_home_for_member(client, personas):
    login(client, personas.member("organizer"))
    response = client.get("/o/front-street/")
    assert response.status_code == 200
    assert b"Front Street Community Center" in response.content


def test_other_organization_is_404(client, personas):
    login(client, personas.outsider)
    assert client.get("/o/front-street/").status_code == 404
