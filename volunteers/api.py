"""The volunteer API: one's own profile, suggestions, sign-ups and data; an organization's roster.
Everything here needs a login; each answer is about the caller, or about an organization they run
(never a volunteer's home nor a distance to it)."""

from django.contrib.auth import logout
from django.db.models import Sum
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from common import params as read
from common.geojson import attribution
from opportunities.models import Opportunity
from places.staff import runs
from volunteers import privacy, signups
from volunteers.matching import matches_for
from volunteers.models import Purpose, SignUp, SignUpStatus, Volunteer


def _sign_up(s: SignUp, request) -> dict:
    o = s.shift.opportunity
    return {
        "id": s.pk,
        "status": s.status,
        "shift": {"id": s.shift_id, "starts_at": s.shift.starts_at, "ends_at": s.shift.ends_at},
        "opportunity": {
            "id": o.pk,
            "title": o.title,
            "url": request.build_absolute_uri(reverse("opportunity-detail-page", args=[o.pk])),
        },
        "attended": s.attended,
        "hours": None if s.hours is None else float(s.hours),
        "signed_up_at": s.created_at,
    }


def _profile(user) -> Volunteer:
    profile = Volunteer.objects.filter(user=user).first()
    if profile is None:
        raise NotFound("no volunteer profile: set one up at /me/profile/")
    return profile


class MeView(APIView):
    """GET: your profile (your home area is shown to you only). DELETE with {"password": …}:
    erase your account and data at once."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        data = privacy.export(request.user)
        return Response({"account": data["account"], "profile": data["profile"]})

    @extend_schema(
        request=inline_serializer("Erasure", {"password": serializers.CharField()}),
        responses={204: None},
    )
    def delete(self, request):
        password = request.data.get("password") if isinstance(request.data, dict) else None
        if not isinstance(password, str) or not request.user.check_password(password):
            raise ValidationError({"password": [_("Give your password to confirm the erasure.")]})
        user = request.user
        logout(request._request)  # a session, if that is how the call came
        privacy.erase(user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyDataView(APIView):
    """Everything held about you, as JSON (PDPA right of access and portability)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        response = Response(privacy.export(request.user))
        response["Content-Disposition"] = 'attachment; filename="my-volunteer-data.json"'
        return response


class MatchesView(APIView):
    """Published opportunities for you: within your travel radius or remote, best first, each
    with why ("3.2 km · teaching · weekends")."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        if not privacy.has_consent(request.user, Purpose.MATCHING):
            raise ValidationError({"consent": [_("Agree to suggestions in your profile first.")]})
        limit = read.whole(request.query_params, "limit", low=1, high=100, default=20)
        matches = matches_for(_profile(request.user), limit=limit)
        return Response(
            {
                "results": [
                    {
                        "opportunity": {
                            "id": m.opportunity.pk,
                            "title": m.opportunity.title,
                            "title_en": m.opportunity.title_en,
                            "organization": m.opportunity.organization.name_th,
                            "mode": m.opportunity.mode,
                            "url": request.build_absolute_uri(
                                reverse("opportunity-detail-page", args=[m.opportunity.pk])
                            ),
                        },
                        "score": m.score,
                        "distance_km": m.distance_km,
                        "explanation": m.explanation,
                        "reasons": {"causes": m.causes, "skills": m.skills, "slots": m.slots},
                        "signed_up": m.signed_up,
                    }
                    for m in matches
                ],
                **attribution(),
            }
        )


class MySignUpsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        mine = SignUp.objects.filter(volunteer=request.user).select_related("shift__opportunity")
        return Response(
            {
                "results": [_sign_up(s, request) for s in mine.order_by("-shift__starts_at")],
                "total_hours": float(mine.aggregate(total=Sum("hours"))["total"] or 0),
            }
        )


class ShiftSignUpView(APIView):
    """POST: sign up for the shift (201 confirmed or waitlisted; 200 when already signed up)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request, shift_id):
        try:
            signup, created = signups.sign_up(request.user, shift_id)
        except signups.SignUpError as exc:
            raise ValidationError({"shift": str(exc)}) from None
        signup = SignUp.objects.select_related("shift__opportunity").get(pk=signup.pk)
        return Response(
            _sign_up(signup, request), status=status.HTTP_201_CREATED if created else 200
        )


class CancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk):
        signup = get_object_or_404(SignUp, pk=pk, volunteer=request.user)
        try:
            signups.cancel(signup)
        except signups.SignUpError as exc:
            raise ValidationError({"sign_up": str(exc)}) from None
        signup = SignUp.objects.select_related("shift__opportunity").get(pk=pk)
        return Response(_sign_up(signup, request))


def _organization_staff_only(request, opportunity):
    if not runs(request.user, opportunity.organization):
        raise NotFound  # not "forbidden": it does not say the roster exists


class RosterView(APIView):
    """The volunteers on the opportunity's shifts, for the organization's own staff: names and
    contacts to reach them; never where they live."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    def get(self, request, pk):
        opportunity = get_object_or_404(Opportunity.objects.select_related("organization"), pk=pk)
        _organization_staff_only(request, opportunity)
        shifts = []
        for shift in opportunity.shifts.prefetch_related("sign_ups__volunteer__volunteer"):
            people = {SignUpStatus.CONFIRMED: [], SignUpStatus.WAITLISTED: []}
            for s in shift.sign_ups.all():
                if s.status in people:
                    people[s.status].append(_roster_entry(s))
            shifts.append(
                {
                    "id": shift.pk,
                    "starts_at": shift.starts_at,
                    "ends_at": shift.ends_at,
                    "capacity": shift.capacity,
                    "confirmed": people[SignUpStatus.CONFIRMED],
                    "waitlist": people[SignUpStatus.WAITLISTED],
                }
            )
        return Response({"opportunity": opportunity.pk, "shifts": shifts})


def _roster_entry(s):
    user = s.volunteer
    profile = getattr(user, "volunteer", None) if user else None
    return {
        "sign_up": s.pk,
        "name": profile.display_name if profile else (user.username if user else None),
        "email": user.email if user else None,
        "phone": profile.phone if profile else None,
        "attended": s.attended,
        "hours": None if s.hours is None else float(s.hours),
    }


class AttendanceSerializer(serializers.Serializer):
    attended = serializers.BooleanField()
    hours = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=24, required=False, allow_null=True
    )


class AttendanceView(APIView):
    """POST {"attended": true, "hours": 3.5}: the organization's staff record attendance."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=AttendanceSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request, pk):
        signup = get_object_or_404(
            SignUp.objects.select_related("shift__opportunity__organization"), pk=pk
        )
        _organization_staff_only(request, signup.shift.opportunity)
        data = AttendanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            signups.record_attendance(
                signup, data.validated_data["attended"], data.validated_data.get("hours")
            )
        except signups.SignUpError as exc:
            raise ValidationError({"sign_up": str(exc)}) from None
        return Response(_roster_entry(signup))
