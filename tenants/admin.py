from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext_lazy as _

from .models import SLUG_VALIDATOR, Council, Domain
from .services import council_create, council_names_check


class CouncilCreationForm(forms.ModelForm):
    """What an operator types to provision a council; the service does the rest."""

    slug = forms.CharField(
        label=_("slug"),
        max_length=48,
        validators=[SLUG_VALIDATOR],
        help_text=_("Also the name of the council's database schema."),
    )
    domain = forms.CharField(
        label=_("domain"), max_length=253, help_text=_("e.g. lannion.commune.example")
    )
    admin_email = forms.EmailField(
        label=_("first administrator's email"),
        help_text=_("They receive no email: the admin shows a one-time link to pass on to them."),
    )

    class Meta:
        model = Council
        fields = ["name", "default_language", "timezone"]

    def clean(self):
        data = super().clean()
        if data.get("slug") and data.get("domain"):
            council_names_check(slug=data["slug"], domains=[data["domain"].strip().lower()])
        return data


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    """Operators edit and suspend councils here; new councils are created with the
    create_council command (it also creates the first admin account)."""

    list_display = [
        "name",
        "slug",
        "primary_domain",
        "is_active",
        "default_language",
        "phone_region",
        "created_at",
    ]
    list_filter = ["is_active", "default_language", "phone_region"]
    search_fields = ["name", "slug", "domains__domain"]
    # The logo is uploaded by the council's admins from their staff portal, through the image
    # pipeline (size checked from the header, re-encoded); a model ImageField here would decode
    # an operator's upload without those checks.
    readonly_fields = ["slug", "schema_name", "logo", "created_at", "updated_at"]
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
        "phone_region",
        "contact_email",
        "created_at",
        "updated_at",
    ]
    inlines = [DomainInline]
    actions = ["suspend", "reactivate"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_template=False).prefetch_related("domains")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = CouncilCreationForm
            kwargs["fields"] = [
                "name",
                "slug",
                "domain",
                "admin_email",
                "default_language",
                "timezone",
            ]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (
                    None,
                    {
                        "fields": [
                            "name",
                            "slug",
                            "domain",
                            "admin_email",
                            "default_language",
                            "timezone",
                        ]
                    },
                )
            ]
        return super().get_fieldsets(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

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
        if not change:
            self._provision(request, obj, form)
            return
        try:
            obj.full_clean(exclude=["schema_name"])
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            return
        super().save_model(request, obj, form, change)
        connection.set_schema_to_public()

    def _provision(self, request, obj, form):
        data = form.cleaned_data
        try:
            result = council_create(
                slug=data["slug"],
                name=data["name"],
                domains=[data["domain"]],
                admin_email=data["admin_email"],
                default_language=data["default_language"],
                timezone=data["timezone"],
            )
        except ValidationError as error:
            # The form was valid but the slug or domain was taken meanwhile: say so plainly.
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            raise
        obj.pk = result.council.pk
        self.message_user(
            request,
            _(
                "Council created. Pass this one-time link to %(email)s to set their password: "
                "%(link)s"
            )
            % {"email": result.admin_email, "link": result.set_password_url},
            messages.SUCCESS,
        )

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)
