from django.db.models import Count, Q, QuerySet

from .models import User
from .roles import STAFF_ROLES


def staff_members() -> QuerySet[User]:
    return (
        User.objects.filter(groups__name__in=STAFF_ROLES)
        .distinct()
        .prefetch_related("groups")
        .order_by("full_name", "email")
    )


def user_counts() -> dict[str, int]:
    return User.objects.aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(is_active=True)),
        confirmed=Count("id", filter=Q(email_confirmed=True)),
    )
