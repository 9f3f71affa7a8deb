"""Test data, one style: factory_boy. Every point is explicit SRID 4326, (lon, lat)."""

import datetime

import factory
from django.contrib.auth.models import Group, User
from django.contrib.gis.geos import Point
from django.utils import timezone

from needs.models import Incident, Need
from opportunities.models import Opportunity, Shift, Status
from places.models import Membership, ModerationStatus, Organization
from volunteers import privacy
from volunteers.models import Volunteer

CHIANG_MAI = Point(98.9853, 18.7883, srid=4326)
PASSWORD = "a-long-test-password"  # every UserFactory user's


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)


def moderator():
    user = UserFactory()
    user.groups.add(Group.objects.get(name="moderators"))
    return User.objects.get(pk=user.pk)  # fresh permission cache


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name_th = factory.Sequence(lambda n: f"มูลนิธิทดสอบ {n}")
    name_en = factory.Sequence(lambda n: f"Test Foundation {n}")
    kind = "foundation"
    address = "ต.ศรีภูมิ อ.เมือง จ.เชียงใหม่"
    location = CHIANG_MAI
    precision = "tambon"
    area_id = "500101"
    status = ModerationStatus.PUBLISHED
    verified = True


def staff_of(organization, role=Membership.Role.EDITOR):
    user = UserFactory()
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Opportunity
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"งานอาสา {n}")
    causes = ["environment"]
    skills = ["general"]
    languages = ["th"]
    mode = "onsite"
    schedule = "one_off"
    use_organization_location = False
    address = "ต.ศรีภูมิ อ.เมือง จ.เชียงใหม่"
    location = CHIANG_MAI
    precision = "exact"
    area_id = "500101"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=8))
    status = Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shift

    opportunity = factory.SubFactory(OpportunityFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + datetime.timedelta(hours=3))
    capacity = 10


class VolunteerFactory(factory.django.DjangoModelFactory):
    """A verified volunteer who agreed to an account and to suggestions."""

    class Meta:
        model = Volunteer
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"อาสา {n}")
    causes = ["environment"]
    skills = ["general"]
    travel_radius_km = 10

    @factory.post_generation
    def consents(self, create, purposes, **kwargs):
        for purpose in purposes if purposes is not None else ["account", "matching"]:
            privacy.give_consent(self.user, purpose)


def coordinator():
    user = UserFactory()
    user.groups.add(Group.objects.get(name="coordinators"))
    return User.objects.get(pk=user.pk)  # fresh permission cache


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    name = factory.Sequence(lambda n: f"น้ำท่วม {n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=3))


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Need

    title = factory.Sequence(lambda n: f"ต้องการน้ำดื่ม {n}")
    category = "food_water"
    urgency = 3
    people_affected = 20
    address = "ต.ศรีภูมิ อ.เมือง จ.เชียงใหม่"
    location = CHIANG_MAI
    precision = "tambon"
    area_id = "500101"
    reporter_name = "ผู้ใหญ่บ้าน"
    reporter_phone = "0890000000"
