"""Forms a volunteer fills in: registration, profile, saved searches, account deletion."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common import ratelimit
from common.thailand import in_thailand
from common.validators import thai_phone
from geocoding.service import explain, geocode
from opportunities.taxonomy import Cause, Language, Skill
from places.models import Area
from volunteers import privacy
from volunteers.models import SLOTS, Frequency, Purpose, SavedSearch, Volunteer

AREA_LEVELS = {"tambon", "amphoe", "province"}
LOGIN_WINDOW = 15 * 60
LOGIN_FAILURES_PER_ACCOUNT = 5
LOGIN_FAILURES_PER_ADDRESS = 30
RESETS_PER_EMAIL = 3
RESETS_PER_ADDRESS = 10


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with the e-mail address (it is the username, in lower case). Failed attempts are
    counted per account and per address in the shared cache: past the limit even the right
    password waits for the window to pass (or for a password reset)."""

    username = forms.CharField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True})
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The e-mail address or the password is not right. Capital letters in the e-mail "
            "address do not matter; in the password they do."
        ),
        "too_many": _(
            "Too many wrong passwords: log-in is paused for 15 minutes. You can set a new "
            "password with “Forgot your password?”."
        ),
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()

    def clean(self):
        account = self.cleaned_data.get("username") or ""
        address = ratelimit.client_address(self.request)
        if (
            ratelimit.seen("login-account", account, LOGIN_WINDOW) >= LOGIN_FAILURES_PER_ACCOUNT
            or ratelimit.seen("login-address", address, LOGIN_WINDOW) >= LOGIN_FAILURES_PER_ADDRESS
        ):
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many")
        try:
            data = super().clean()
        except forms.ValidationError:
            ratelimit.count("login-account", account, LOGIN_WINDOW)
            ratelimit.count("login-address", address, LOGIN_WINDOW)
            raise
        ratelimit.forget("login-account", account, LOGIN_WINDOW)
        return data


class LimitedPasswordResetForm(PasswordResetForm):
    """A few reset e-mails per address and per hour: the form cannot be used to flood a mailbox."""

    def __init__(self, *args, request, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        address = ratelimit.client_address(self.request)
        if (
            ratelimit.count("reset-email", email, 3600) > RESETS_PER_EMAIL
            or ratelimit.count("reset-address", address, 3600) > RESETS_PER_ADDRESS
        ):
            raise forms.ValidationError(
                _("Too many requests for a new password: try again in an hour.")
            )
        return email


class RegistrationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    display_name = forms.CharField(
        label=_("Name shown to organizations"), max_length=80, help_text=_("a nickname is fine")
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=40,
        required=False,
        validators=[thai_phone],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    # Kept when the form comes back with a mistake elsewhere (a form never drops what it was given;
    # the answer to a POST is not cached).
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    password2 = forms.CharField(
        label=_("Password again"),
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    consent = forms.BooleanField(
        label=_(
            "I agree to the privacy notice: my e-mail, name and phone are kept to manage my "
            "sign-ups and are shown to the organizations whose shifts I sign up for."
        ),
        error_messages={
            "required": _("Tick this box to agree: an account cannot be kept without it.")
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The rules before the first try, not only after a refusal.
        self.fields["password1"].help_text = " ".join(
            password_validation.password_validators_help_texts()
        )
        self.fields["consent"].help_text = format_html(
            '<a href="{}" target="_blank">{}</a>',
            reverse("privacy-notice"),
            _("Read the privacy notice (opens in a new tab)"),
        )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password1"):
            user = get_user_model()(username=data.get("email", ""), email=data.get("email", ""))
            try:
                password_validation.validate_password(data["password1"], user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


def checkboxes(choices, label):
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


def place_from(text=None, lat=None, lon=None):
    """A point and its precision from a map click or from an address, postal code or tambon.
    Raises ValidationError with the reason when neither gives a place in Thailand."""
    if (lat is None) != (lon is None):
        raise forms.ValidationError(_("Click the map again: the point was incomplete."))
    if lat is not None and lon is not None:
        if not in_thailand(lat, lon):
            raise forms.ValidationError(_("That point is not in Thailand."))
        return Point(lon, lat, srid=4326), "exact", None
    # Offline only: a home or a search area never goes to a remote geocoder (nor its cache).
    result = geocode(text, use_remote=False)
    if result.lat is None:
        raise forms.ValidationError(
            _("Could not find this place: %(reason)s"), params={"reason": explain(result)}
        )
    area = getattr(result, result.precision) if result.precision in AREA_LEVELS else None
    return result.point, result.precision, area


class ProfileForm(forms.ModelForm):
    skills = checkboxes(Skill.choices, _("Skills"))
    causes = checkboxes(Cause.choices, _("Causes you care about"))
    languages = checkboxes(Language.choices, _("Languages"))
    availability = checkboxes(SLOTS, _("When you are usually free"))
    home_text = forms.CharField(
        label=_("Where you live: an address, a postal code or a tambon"),
        required=False,
        max_length=300,
        help_text=_(
            "Kept only as an area of about a kilometre, never shown to anyone; used to suggest "
            "opportunities near you. Or click the map."
        ),
    )
    home_lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    home_lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    forget_home = forms.BooleanField(label=_("Forget my home area"), required=False)
    matching = forms.BooleanField(
        label=_(
            "Use my skills, causes, availability and home area to suggest opportunities near me "
            "(and to count me, never alone, in the areas volunteers cover)."
        ),
        required=False,
    )
    sensitive = forms.BooleanField(
        label=_(
            "I explicitly agree that my interest in health, disability or religion causes is "
            "kept (it may reveal sensitive information about me)."
        ),
        required=False,
    )

    class Meta:
        model = Volunteer
        fields = [
            "display_name",
            "phone",
            "language",
            "skills",
            "causes",
            "languages",
            "availability",
            "travel_radius_km",
        ]
        widgets = {
            "travel_radius_km": forms.NumberInput(attrs={"min": 1, "max": 500}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        if not privacy.has_consent(user, Purpose.ACCOUNT):  # an account made another way
            self.fields["account"] = forms.BooleanField(
                label=RegistrationForm.base_fields["consent"].label
            )
        self.fields["matching"].initial = privacy.has_consent(user, Purpose.MATCHING)
        self.fields["sensitive"].initial = privacy.has_consent(user, Purpose.SENSITIVE)

    def clean(self):
        data = super().clean()
        preferences = any(data.get(f) for f in ("skills", "causes", "availability", "home_text"))
        clicked = data.get("home_lat") is not None or data.get("home_lon") is not None
        preferences = preferences or clicked
        if preferences and not data.get("matching"):
            self.add_error(
                "matching", _("Tick this to keep your skills, causes, times or home area.")
            )
        sensitive = privacy.needs_explicit_consent(data.get("causes", []))
        if sensitive and not data.get("sensitive"):
            self.add_error(
                "sensitive",
                _("Health, disability and religion causes need your explicit agreement."),
            )
        self.home = None
        if data.get("matching") and not data.get("forget_home"):
            try:
                if clicked or data.get("home_text"):
                    self.home = place_from(
                        data.get("home_text"), data.get("home_lat"), data.get("home_lon")
                    )
            except forms.ValidationError as exc:
                self.add_error("home_text", exc)
        return data

    def save(self, commit=True):
        profile = super().save(commit=False)
        data = self.cleaned_data
        for purpose in (Purpose.MATCHING, Purpose.SENSITIVE):
            wanted = data.get(purpose)
            if wanted:
                privacy.give_consent(self.user, purpose)
        if data.get("forget_home"):
            privacy.forget_home(profile)
        elif self.home:
            point, precision, _area = self.home
            privacy.set_home(profile, point, precision)
        profile.save()
        for purpose in (Purpose.MATCHING, Purpose.SENSITIVE):
            if not data.get(purpose) and privacy.has_consent(self.user, purpose):
                privacy.withdraw_consent(self.user, purpose)
        return profile


class SavedSearchForm(forms.ModelForm):
    place = forms.CharField(
        label=_("Where: an address, a postal code, a tambon, district or province"),
        required=False,
        max_length=300,
    )
    around_home = forms.BooleanField(label=_("Around my home area"), required=False)
    causes = checkboxes(Cause.choices, _("Causes (none: all)"))
    skills = checkboxes(Skill.choices, _("Skills (none: all)"))
    digest = forms.BooleanField(
        label=_("E-mail me new opportunities for my saved searches (stop at any time)"),
        error_messages={
            "required": _("Tick this box: a saved search is kept to e-mail you what is new.")
        },
    )
    field_order = [
        "name",
        "place",
        "around_home",
        "radius_km",
        "include_remote",
        "causes",
        "skills",
        "frequency",
        "digest",
    ]

    class Meta:
        model = SavedSearch
        fields = ["name", "radius_km", "include_remote", "causes", "skills", "frequency"]
        widgets = {"radius_km": forms.NumberInput(attrs={"min": 1, "max": 200})}

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["digest"].initial = privacy.has_consent(user, Purpose.DIGEST)
        self.fields["frequency"].choices = Frequency.choices

    def clean(self):
        data = super().clean()
        search = self.instance
        search.centre = search.area = None
        search.around_home = bool(data.get("around_home"))
        if data.get("around_home"):
            profile = getattr(self.user, "volunteer", None)
            if profile is None or profile.home is None:
                self.add_error("around_home", _("Set your home area in your profile first."))
            else:
                search.centre = profile.home
        elif data.get("place"):
            try:
                point, precision, area = place_from(data["place"])
            except forms.ValidationError as exc:
                self.add_error("place", exc)
            else:
                if area and precision in AREA_LEVELS:
                    search.area = Area.objects.get(pk=area)
                else:
                    search.centre = point
        elif not data.get("include_remote"):
            self.add_error("place", _("Say where, or include remote opportunities."))
        sensitive = privacy.needs_explicit_consent(data.get("causes", []))
        if sensitive and not privacy.has_consent(self.user, Purpose.SENSITIVE):
            self.add_error(
                "causes",
                _(
                    "Health, disability and religion causes need your explicit agreement "
                    "(in your profile) first."
                ),
            )
        return data

    def save(self, commit=True):
        privacy.give_consent(self.user, Purpose.DIGEST)
        self.instance.user = self.user
        return super().save(commit)


class VerifyForm(forms.Form):
    password = forms.CharField(
        label=_("The password you chose when registering"),
        widget=forms.PasswordInput,
        strip=False,
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        if self.user is None or not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError(_("That is not the password chosen with this address."))
        return self.cleaned_data["password"]


class AttendanceForm(forms.Form):
    sign_up = forms.IntegerField(min_value=1)
    attended = forms.ChoiceField(choices=[("yes", _("came")), ("no", _("did not come"))])
    hours = forms.DecimalField(
        label=_("hours"), min_value=0, max_value=24, max_digits=5, decimal_places=2, required=False
    )


class EraseForm(forms.Form):
    password = forms.CharField(
        label=_("Your password, to confirm"), widget=forms.PasswordInput, strip=False
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        if not self.user.check_password(self.cleaned_data["password"]):
            raise forms.ValidationError(_("That is not your password."))
        return self.cleaned_data["password"]
