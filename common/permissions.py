"""Who may do what, the rules every API shares. An organization's own staff are the places app's
rule (places.permissions)."""

from rest_framework.permissions import BasePermission


class IsModerator(BasePermission):
    """The user holds the view's `moderate_permission` ("app.moderate_model")."""

    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.has_perm(view.moderate_permission)
