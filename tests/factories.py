"""Test data factories (factory_boy). Each builds a valid object in the active council's schema
with the fewest fields a test has to care about; override what the test is about.

    resident = UserFactory(phone="+33612345678", phone_confirmed_at=timezone.now())
    report = IssueReportFactory(reporter=resident, longitude=-2.05)
"""

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

PASSWORD = "a-long-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.User"
        django_get_or_create = ("email",)
        skip_postgeneration_save = True  # roles are groups: nothing on the row to save again

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="fr_FR")
    email_confirmed = True
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """`UserFactory(roles=["agent"])`: staff roles as the role groups every council has."""
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=list(extracted)))


class NeighbourhoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "community.Neighbourhood"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Quartier {n}")
    # A small square around Dinan's centre (GeoJSON, longitude first).
    area = factory.LazyFunction(
        lambda: {
            "type": "Polygon",
            "coordinates": [
                [[-2.05, 48.45], [-2.03, 48.45], [-2.03, 48.46], [-2.05, 48.46], [-2.05, 48.45]]
            ],
        }
    )


class ResidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "community.Residence"

    user = factory.SubFactory(UserFactory)
    address_line1 = factory.Sequence(lambda n: f"{n + 1} rue de la Poissonnerie")
    postcode = "22100"
    city = "Dinan"
    household_key = factory.Sequence(lambda n: f"household-{n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "civic.Category"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"category-{n}")
    name_fr = factory.Sequence(lambda n: f"Catégorie {n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class IssueReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "civic.IssueReport"

    category = factory.SubFactory(CategoryFactory)
    reporter = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Nid-de-poule n°{n}")
    description = "Un trou dans la chaussée."
    latitude = 48.4556
    longitude = -2.0503
    created_at = factory.LazyFunction(timezone.now)
