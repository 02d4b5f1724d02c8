"""Role checks for views and API views."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from .roles import STAFF_ROLES


def role_required(*roles: str):
    """Staff view decorator: signed-in users holding one of `roles` (any staff role if none)."""
    wanted = roles or STAFF_ROLES

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_role(*wanted):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def staff_required(view):
    return role_required()(view)


class HasRole(BasePermission):
    """DRF: `permission_classes = [HasRole.of("council_admin")]`."""

    roles: tuple[str, ...] = STAFF_ROLES

    @classmethod
    def of(cls, *roles: str) -> type["HasRole"]:
        return type("HasRole", (cls,), {"roles": roles})

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_role(*self.roles))
