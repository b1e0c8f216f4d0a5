from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_scopes import scopes_disabled

from groundswell.core.models import Base, Membership, Organization, Role

PASSWORD = "a-long-test-passphrase"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Faker("name")
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()
            # As after accepting an invitation: the address is verified.
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Community Center {n}")
    slug = factory.Sequence(lambda n: f"center-{n}")


class BaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Base

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Block {n}")


def make_member(org: Organization, role: str = Role.ORGANIZER, *, mfa: bool = True,
                user=None, **user_kwargs) -> Membership:
    """A user with a membership; with a TOTP authenticator unless mfa=False."""
    user = user or UserFactory(**user_kwargs)
    with scopes_disabled():
        membership = Membership.objects.create(organization=org, user=user, role=role,
                                               created_at=timezone.now())
    if mfa and not Authenticator.objects.filter(user=user, type="totp").exists():
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        user.totp_secret = secret
    return membership
