"""factory_boy factories for the sales domain."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Team, User
from customers.models import Contact, Customer
from leads.models import Lead, LeadSource
from opportunities.models import Activity, Opportunity, Stage


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"User{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw-12345-secret")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n} Ltd")
    owner = factory.SubFactory(UserFactory)
    industry = "it"
    region = "east"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.LazyAttribute(lambda c: f"{c.name.replace(' ', '').lower()}@example.com")


def _source():
    return LeadSource.objects.get(code="website")


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    name = factory.Sequence(lambda n: f"Lead Person {n}")
    company = factory.Sequence(lambda n: f"Prospect {n} Co")
    email = factory.LazyAttribute(lambda lead: f"{lead.name.replace(' ', '').lower()}@example.com")
    source = factory.LazyFunction(_source)
    owner = factory.SubFactory(UserFactory)

    class Params:
        qualified = factory.Trait(
            budget_amount=Decimal("300000"),
            budget_confirmed=True,
            is_decision_maker=True,
            authority_confirmed=True,
            need_description="Replace the spreadsheet pipeline",
            need_confirmed=True,
            timeline_date=factory.LazyFunction(lambda: timezone.localdate() + timezone.timedelta(days=60)),
            timeline_confirmed=True,
        )


def _first_stage():
    return Stage.objects.first_open()


class OpportunityFactory(factory.django.DjangoModelFactory):
    """A deal placed directly in a stage (for setting up state); real moves use `move_to`."""

    class Meta:
        model = Opportunity

    name = factory.Sequence(lambda n: f"Deal {n}")
    owner = factory.SubFactory(UserFactory)
    customer = factory.SubFactory(CustomerFactory, owner=factory.SelfAttribute("..owner"))
    amount = Decimal("100000")
    stage = factory.LazyFunction(_first_stage)
    probability = factory.LazyAttribute(lambda o: o.stage.probability)
    stage_entered_at = factory.LazyFunction(timezone.now)
    closed_at = factory.LazyAttribute(lambda o: None if o.stage.is_open else o.stage_entered_at)


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    opportunity = factory.SubFactory(OpportunityFactory)
    kind = Activity.Kind.CALL
    summary = factory.Sequence(lambda n: f"Call number {n}")
    created_by = factory.LazyAttribute(lambda a: a.opportunity.owner if a.opportunity else None)
