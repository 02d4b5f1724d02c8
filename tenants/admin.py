from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext_lazy as _

from .models import Council, Domain


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    """Operators edit and suspend councils here; new councils are created with the
    create_council command (it also creates the first admin account)."""

    list_display = ["name", "slug", "primary_domain", "is_active", "default_language", "created_at"]
    list_filter = ["is_active", "default_language"]
    search_fields = ["name", "slug", "domains__domain"]
    readonly_fields = ["slug", "schema_name", "created_at", "updated_at"]
    fields = [
        "name",
        "slug",
        "schema_name",
        "is_active",
        "logo",
        "primary_colour",
        "default_language",
        "languages",
        "timezone",
        "contact_email",
        "created_at",
        "updated_at",
    ]
    inlines = [DomainInline]
    actions = ["suspend", "reactivate"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_template=False).prefetch_related("domains")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting drops the council's schema: done deliberately from the shell, never by a click.
        return False

    @admin.display(description=_("primary domain"))
    def primary_domain(self, obj: Council) -> str:
        primary = next((d for d in obj.domains.all() if d.is_primary), None)
        return primary.domain if primary else "—"

    @admin.action(description=_("Suspend the selected councils"))
    def suspend(self, request, queryset):
        for council in queryset:
            council.is_active = False
            council.save(update_fields=["is_active", "updated_at"])
        self.message_user(request, _("Suspended."), messages.SUCCESS)

    @admin.action(description=_("Reactivate the selected councils"))
    def reactivate(self, request, queryset):
        for council in queryset:
            council.is_active = True
            council.save(update_fields=["is_active", "updated_at"])
        self.message_user(request, _("Reactivated."), messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        try:
            obj.full_clean(exclude=["schema_name"])
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            return
        super().save_model(request, obj, form, change)
        connection.set_schema_to_public()
