from django.urls import path

from volunteers import api

urlpatterns = [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("me/data/", api.MyDataView.as_view(), name="api-my-data"),
    path("me/matches/", api.MatchesView.as_view(), name="api-matches"),
    path("me/sign-ups/", api.MySignUpsView.as_view(), name="api-my-sign-ups"),
    path("shifts/<int:shift_id>/sign-up/", api.ShiftSignUpView.as_view(), name="api-sign-up"),
    path("sign-ups/<int:pk>/cancel/", api.CancelView.as_view(), name="api-cancel"),
    path("sign-ups/<int:pk>/attendance/", api.AttendanceView.as_view(), name="api-attendance"),
    path("opportunities/<int:pk>/roster/", api.RosterView.as_view(), name="api-roster"),
]
