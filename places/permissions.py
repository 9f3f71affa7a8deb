"""What an organization's staff may change through the API (who the staff are: places.staff)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from places.staff import runs


class StaffOrModeratorMayChange(BasePermission):
    """Anyone may read what the view lets them see; only the organization's own staff, or a
    moderator, may change it."""

    moderate_permission = None  # set by the view: "app.moderate_model"

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or request.user.is_authenticated

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        organization = getattr(obj, "organization", obj)
        return request.user.has_perm(view.moderate_permission) or runs(request.user, organization)
