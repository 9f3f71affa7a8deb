from django.urls import path

from notifications import views

urlpatterns = [
    path(
        "manage/organizations/<int:pk>/notifications/",
        views.preferences,
        name="manage-notifications",
    ),
]
