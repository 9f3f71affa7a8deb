from django.contrib.auth.views import LoginView
from django.urls import path

from volunteers import views
from volunteers.forms import EmailAuthenticationForm

urlpatterns = [
    path("accounts/register/", views.register, name="register"),
    path("accounts/verify/<str:uidb64>/<str:token>/", views.verify_email, name="verify-email"),
    path(
        "accounts/login/",
        LoginView.as_view(authentication_form=EmailAuthenticationForm),
        name="login",
    ),
    path(
        "accounts/password_reset/",
        views.LimitedPasswordResetView.as_view(),
        name="password_reset",
    ),
    path("me/", views.me, name="me"),
    path("me/profile/", views.profile, name="profile"),
    path("me/for-you/", views.for_you, name="for-you"),
    path("me/searches/", views.saved_searches, name="saved-searches"),
    path("me/searches/<int:pk>/delete/", views.delete_search, name="delete-search"),
    path("privacy/", views.privacy_notice, name="privacy-notice"),
    path("me/privacy/", views.privacy_page, name="privacy"),
    path("me/privacy/withdraw/<str:purpose>/", views.withdraw, name="withdraw-consent"),
    path("me/data.json", views.my_data, name="my-data"),
    path("me/delete/", views.erase, name="erase-account"),
    path("shifts/<int:shift_id>/sign-up/", views.sign_up, name="sign-up"),
    path("sign-ups/<int:pk>/cancel/", views.cancel, name="cancel-sign-up"),
    path("manage/", views.dashboard, name="manage-dashboard"),
    path(
        "manage/organizations/<int:pk>/volunteers.csv",
        views.volunteers_csv,
        name="manage-volunteers-csv",
    ),
    path("manage/opportunities/<int:pk>/roster/", views.roster, name="manage-roster"),
    path("digests/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
