"""The causes and skills volunteers choose from, in the words Thai volunteer networks use."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Cause(models.TextChoices):
    CHILDREN = "children", _("children and youth")
    EDUCATION = "education", _("education")
    ELDERLY = "elderly", _("elderly people")
    DISABILITY = "disability", _("people with disabilities")
    HEALTH = "health", _("health")
    ENVIRONMENT = "environment", _("environment")
    ANIMALS = "animals", _("animals")
    DISASTER = "disaster", _("disaster relief")
    COMMUNITY = "community", _("community development")
    ARTS = "arts", _("arts and culture")
    RELIGION = "religion", _("religion")
    HUMAN_RIGHTS = "human_rights", _("human rights")
    POVERTY = "poverty", _("poverty and hunger")
    WOMEN = "women", _("women and gender equality")
    MIGRANTS = "migrants", _("migrants and refugees")


class Skill(models.TextChoices):
    TEACHING = "teaching", _("teaching and tutoring")
    LANGUAGES = "languages", _("languages and translation")
    MEDICAL = "medical", _("medical and nursing")
    FIRST_AID = "first_aid", _("first aid")
    COUNSELLING = "counselling", _("listening and counselling")
    CARE = "care", _("caring for people")
    COOKING = "cooking", _("cooking")
    CONSTRUCTION = "construction", _("building and repairs")
    DRIVING = "driving", _("driving")
    BOATS = "boats", _("boats and rescue")
    LOGISTICS = "logistics", _("logistics and packing")
    IT = "it", _("computers and IT")
    DESIGN = "design", _("design, photo and video")
    ADMIN = "admin", _("office and administration")
    FUNDRAISING = "fundraising", _("fundraising")
    FARMING = "farming", _("farming and gardening")
    GENERAL = "general", _("no special skill")


class Mode(models.TextChoices):
    ONSITE = "onsite", _("on site")
    REMOTE = "remote", _("remote")
    HYBRID = "hybrid", _("on site or remote")


class Schedule(models.TextChoices):
    ONE_OFF = "one_off", _("one-off")
    RECURRING = "recurring", _("recurring")
    ONGOING = "ongoing", _("ongoing")
    EVENT = "event", _("event (many organizations, e.g. a volunteer fair)")


class Language(models.TextChoices):
    THAI = "th", _("Thai")
    ENGLISH = "en", _("English")
    OTHER = "other", _("other languages")
